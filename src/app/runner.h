// Runner: tend's one event loop. It owns every fd (signalfd, timerfd, the
// services' pidfds and output pipes, tend's own stdout/stderr), turns what
// epoll reports into core events, and carries out the Supervisor's actions
// through os/. It decides nothing itself.
#pragma once

#include <sys/epoll.h>

#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/process_match.h"
#include "core/supervisor.h"
#include "logs/line_splitter.h"
#include "logs/prefixer.h"
#include "os/epoll.h"
#include "os/fd_writer.h"
#include "os/pipe.h"
#include "os/signals.h"
#include "os/timer_fd.h"
#include "spec/options.h"

namespace app {

class Runner {
 public:
  // Sets everything up; an error here is reported and tend exits before
  // any service starts.
  static base::Result<std::unique_ptr<Runner>> Create(spec::Options options);
  // Runs until the Supervisor says exit; returns the exit status.
  int Run();

 private:
  enum class Stream { kOut = 0, kErr = 1 };
  struct Watched {  // one adopted daemon process
    int pid = 0;
    base::UniqueFd pidfd;  // invalid in the rescan fallback
    bool root = false;     // a main process, not one of its workers
  };
  struct ServiceIo {
    std::vector<Watched> daemons;
    os::Pipe pipes[2];
    logs::LineSplitter splitters[2];
    bool paused[2] = {false, false};
    base::UniqueFd pidfd;
    int pid = 0;
    int pgid = 0;  // the group of its last start, kept after that process ends
  };

  Runner(spec::Options options, os::Epoll epoll, os::SignalFd signals, os::TimerFd timer);
  base::Status Init();

  void Dispatch(const epoll_event& ev);
  void OnSignals();
  void Reap();
  void OnPipe(size_t i, Stream s);
  size_t ReadPipe(size_t i, Stream s, size_t max);  // bytes read
  void DrainPipes(size_t i);
  void OnWriterReady(Stream s);
  void Pause(size_t i, Stream s);
  void Append(Stream s, std::string_view bytes);
  void WatchWriter(Stream s);

  void ProcessEvents();
  void Execute(const core::Action& a);
  void DoSpawn(size_t i);
  void DoScan(size_t i);
  void Watch(size_t i, std::vector<int> pids, const std::vector<core::ProcInfo>& table);
  void DoRelease(size_t i, int sig);
  void Unwatch(size_t i);
  core::Ownership OwnershipExcept(size_t i) const;
  bool ForgetDaemon(size_t i, int pid, std::optional<core::ExitStatus> status);
  void OnDaemonFd(size_t i, int pid);
  void DoSignalService(size_t i, int sig);
  void Log(core::LogLevel level, const std::string& text);

  os::FdWriter& Writer(Stream s) { return *writers_[static_cast<int>(s)]; }

  spec::Options options_;
  os::Epoll epoll_;
  os::SignalFd signals_;
  os::TimerFd timer_;
  core::Supervisor supervisor_;
  std::vector<ServiceIo> io_;
  std::unique_ptr<os::FdWriter> writers_[2];
  bool writer_pollable_[2] = {false, false};
  bool writer_waiting_[2] = {false, false};
  std::unique_ptr<logs::Prefixer> prefixer_;
  std::deque<core::Event> queue_;
  std::optional<int> exit_code_;
  bool pidfds_ = true;           // false: no pidfd_open here; rescan instead
  std::string no_pidfd_reason_;  // logged once, the first time it matters
  std::string scratch_;          // reused read and format buffers
  std::string batch_;
};

}  // namespace app
