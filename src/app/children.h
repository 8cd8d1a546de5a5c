// Children: the processes tend starts for its services. It owns, per
// service, the main process's pidfd (its readiness means "reap now"), the
// process group of its last start, the MAINPID= it announced, and s6's
// notification pipe; and the stop commands in flight. It spawns, signals,
// and recognises its pids among those reaped; what it learns it queues as
// core events.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/loop_context.h"
#include "base/unique_fd.h"
#include "os/notify_pipe.h"
#include "os/spawn.h"

namespace app {

class Children {
 public:
  // `reap` runs when a main process's pidfd says it ended.
  Children(LoopContext ctx, std::function<void()> reap);

  void Resize(size_t n);
  // Starts service i; `notify_fd` is s6's notification fd number, if any.
  // Queues Spawned, or Exited with the exec error.
  void Spawn(size_t i, const std::string& name, os::SpawnRequest req, std::optional<int> notify_fd);
  // Starts service i's stop_command beside it.
  base::Status RunStop(size_t i, const os::SpawnRequest& req);
  // The stop signal or a forwarded one, to the process group of its start.
  base::Status Signal(size_t i, int sig);

  // Which service's main process `pid` was, forgetting it (pidfd closed).
  std::optional<size_t> TakeMain(int pid);
  // Which service's stop command `pid` was, forgetting it.
  std::optional<size_t> TakeStop(int pid);
  // Service i was removed and is down: everything it held goes.
  void Free(size_t i);

  int Pid(size_t i) const { return i < procs_.size() ? procs_[i].pid : 0; }
  int Pgid(size_t i) const { return i < procs_.size() ? procs_[i].pgid : 0; }
  int MainPid(size_t i) const { return i < procs_.size() ? procs_[i].mainpid : 0; }
  void SetMainPid(size_t i, int pid) { procs_[i].mainpid = pid; }
  size_t size() const { return procs_.size(); }

 private:
  struct Proc {  // each fd declared before its watch: the watch goes first
    base::UniqueFd pidfd;
    os::IoWatch pidfd_watch;
    int pid = 0;
    int pgid = 0;     // the group of its last start, kept after that process ends
    int mainpid = 0;  // MAINPID= it sent: its daemon, when the command exits
    std::unique_ptr<os::NotifyPipe> notify;  // s6's notification fd, until used
    os::IoWatch notify_watch;
  };

  void OpenNotifyPipe(size_t i, const std::string& name, int target, os::SpawnRequest& req);
  void CloseNotifyPipe(size_t i);
  void OnNotifyPipe(size_t i);

  LoopContext ctx_;
  std::function<void()> reap_;
  std::vector<Proc> procs_;
  std::map<int, size_t> stop_commands_;  // pid of a running stop_command -> service
};

}  // namespace app
