// Runner: tend's one event loop. It owns every fd (signalfd, timerfd, the
// services' pidfds and output pipes through the OutputRouter), each
// registered in the os::Epoll with the handler that turns its readiness
// into core events, and carries out the Supervisor's actions through os/.
#pragma once

#include <sys/epoll.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/output_router.h"
#include "app/plan.h"
#include "base/result.h"
#include "core/process_match.h"
#include "core/service_view.h"
#include "core/supervisor.h"
#include "ctl/server.h"
#include "http/metrics.h"
#include "http/server.h"
#include "os/epoll.h"
#include "os/notify_pipe.h"
#include "os/notify_socket.h"
#include "os/probe_conn.h"
#include "os/signals.h"
#include "os/spawn.h"
#include "os/timer_fd.h"
#include "spec/options.h"
#include "spec/probe_target.h"

namespace app {

class Runner {
 public:
  // Sets everything up; an error here is reported and tend exits before
  // any service starts.
  static base::Result<std::unique_ptr<Runner>> Create(Plan plan, spec::Options options,
                                                      spec::EnvLookup env);
  // Runs until the Supervisor says exit; returns the exit status.
  int Run();

 private:
  // First, so that it outlives every watch registered with it.
  os::Epoll epoll_;

  // Each fd below is declared before its watch, so that the watch (and
  // with it the epoll registration) goes first.
  struct Watched {  // one adopted daemon process
    int pid = 0;
    base::UniqueFd pidfd;  // invalid in the rescan fallback
    os::IoWatch watch;
    bool root = false;  // a main process, not one of its workers
  };
  struct ServiceIo {
    std::vector<Watched> daemons;
    base::UniqueFd pidfd;
    os::IoWatch pidfd_watch;
    int pid = 0;
    int pgid = 0;     // the group of its last start, kept after that process ends
    int mainpid = 0;  // MAINPID= it sent: its daemon, when the command exits
    std::unique_ptr<os::NotifyPipe> notify;  // s6's notification fd, until used
    os::IoWatch notify_watch;
  };
  struct ProbeKey {
    size_t service;
    core::ProbeKind kind;
    bool operator<(const ProbeKey& o) const {
      return service != o.service ? service < o.service : kind < o.kind;
    }
  };
  struct ProbeRun {  // one probe run in flight
    uint64_t run = 0;
    int pid = 0;                          // exec probes
    std::unique_ptr<os::ProbeConn> conn;  // tcp and http probes
    os::IoWatch watch;                    // conn's
  };
  static constexpr size_t kNoService = static_cast<size_t>(-1);

  Runner(Plan plan, spec::Options options, spec::EnvLookup env, os::Epoll epoll,
         os::SignalFd signals, os::TimerFd timer);
  base::Status Init();

  void OnSignals();
  void Reap();
  void Reload();
  std::optional<std::string> FdShortage(const std::vector<spec::ServiceSpec>& next,
                                        bool only_new) const;

  void ProcessEvents();
  void Feed(const core::Event& e);
  void Execute(const core::Action& a);
  void DoSpawn(size_t i);
  void DoRunStop(size_t i);
  void DoSignalService(size_t i, int sig);
  void DoFree(size_t i);
  os::SpawnRequest Request(const spec::ServiceSpec& spec, const spec::CommandLine& command,
                           size_t i);
  const spec::ServiceSpec& Spec(size_t i) const { return supervisor_.services()[i].spec; }
  std::vector<std::string> Names() const;
  void Log(core::LogLevel level, const std::string& text) { output_->Log(level, text); }

  // Adopted daemons (runner_daemons.cc).
  void DoScan(size_t i);
  void Watch(size_t i, std::vector<int> pids, const std::vector<core::ProcInfo>& table);
  void Unwatch(size_t i);
  core::Ownership OwnershipExcept(size_t i) const;
  bool ForgetDaemon(size_t i, int pid, std::optional<core::ExitStatus> status);
  void OnDaemonFd(size_t i, int pid);
  void DoRelease(size_t i, int sig);

  // Health (runner_health.cc).
  void DoProbe(const core::Action& a);
  void StartExecProbe(ProbeKey key, const spec::ProbeSpec& probe);
  void StartSocketProbe(ProbeKey key, const spec::ProbeSpec& probe);
  void OnProbeSocket(ProbeKey key, uint32_t events);
  void ProbeDone(ProbeKey key, bool ok, std::string why);
  void CancelProbe(ProbeKey key);
  bool ReapProbe(int pid, const core::ExitStatus& status);
  void HealthEnv(const spec::ServiceSpec& spec, std::map<std::string, std::string>& env);
  void OpenNotifySocket();
  void OnNotifySocket();
  std::optional<size_t> ServiceOfPid(int pid) const;
  std::optional<size_t> GoneSender(uid_t uid) const;
  size_t SenderService(const os::NotifyDatagram& d) const;
  void PrepareNotifyFd(size_t i, os::SpawnRequest& req);
  void CloseNotifyFd(size_t i);
  void OnNotifyPipe(size_t i);
  std::map<ProbeKey, ProbeRun> probes_;
  std::map<int, ProbeKey> probe_pids_;  // exec probe pid -> its run (kNoService: cancelled)
  std::optional<os::NotifySocket> notify_socket_;
  os::IoWatch notify_socket_watch_;
  base::UniqueFd dev_null_;
  uint64_t loop_iterations_ = 0;

  // The HTTP endpoint (runner_http.cc).
  base::Status StartHttp();
  http::Response Answer(const http::Request& r);
  http::Response Readyz(bool all);
  http::TendMetrics GatherMetrics() const;
  std::unique_ptr<http::Server> http_;
  int64_t started_wall_ms_ = 0;

  // tendctl requests (runner_control.cc).
  void StartControl();
  std::string HandleControl(const ctl::Request& r);
  std::string NotReady(const std::vector<std::string>& names, std::string* error) const;
  std::optional<std::vector<std::string>> Recent(const std::string& name, int n) const;
  std::optional<std::vector<size_t>> Resolve(const std::vector<std::string>& names,
                                             std::string* error) const;
  std::string StatusReply(const std::vector<size_t>& which) const;
  core::ServiceView ViewOf(size_t i, base::TimePoint now) const;
  std::vector<core::ServiceView> Views(base::TimePoint now) const;
  std::vector<int> DaemonPids(size_t i) const;
  std::vector<core::ServiceView> HealthSet(const std::vector<size_t>& named, bool all) const;
  static std::string HealthReply(const std::vector<core::ServiceView>& judged);
  bool reload_ok_ = true;
  std::string reload_error_;

  Plan plan_;
  spec::Options options_;
  spec::EnvLookup env_;
  os::SignalFd signals_;
  os::TimerFd timer_;
  os::IoWatch signals_watch_, timer_watch_;
  core::Supervisor supervisor_;
  std::unique_ptr<OutputRouter> output_;
  std::unique_ptr<ctl::Server> control_;
  std::vector<ServiceIo> io_;
  std::map<int, size_t> stop_commands_;  // pid of a running stop_command -> service
  std::deque<core::Event> queue_;
  std::optional<std::vector<core::ProcInfo>> start_table_;  // see DoScan
  std::optional<int> exit_code_;
  spec::Rlimit nofile_at_start_;  // services get it back (tend raised its own)
  bool pidfds_ = true;            // false: no pidfd_open here; rescan instead
  std::string no_pidfd_reason_;   // logged once, the first time it matters
};

}  // namespace app
