// Children: the processes tend starts for its services. It owns, per
// service, the main process's pidfd (its readiness means "reap now"), the
// lineage shim's socket while the shim lives (os/lineage.h: the command's
// end and what it left come from there), the process group of its last
// start, the MAINPID= it announced, and s6's notification pipe; and the
// stop commands in flight. It spawns, signals, and recognises its pids
// among those reaped; when a main process ends it says so, with what that
// process left behind (`Ended`).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/loop_context.h"
#include "base/unique_fd.h"
#include "core/exit_status.h"
#include "os/lineage.h"
#include "os/notify_pipe.h"
#include "os/spawn.h"

namespace app {

// What a service's main process left behind when it ended: exactly the
// processes orphaned in its command's tree (from the lineage shim), or,
// without a shim to tell, the members of its process group.
struct Left {
  std::vector<os::Handed> processes;
  bool exact = false;
};

class Children {
 public:
  using Ended = std::function<void(size_t i, core::ExitStatus status, Left left)>;
  // `reap` runs when a main process's pidfd says it ended; `ended` when a
  // main process ended. Commands run under a lineage shim that lives at
  // most `lineage_window` (zero: no shim).
  Children(LoopContext ctx, std::function<void()> reap, Ended ended, base::Duration lineage_window);

  void Resize(size_t n);
  // Starts service i; `notify_fd` is s6's notification fd number, if any.
  // Queues Spawned, or Exited with the exec error.
  void Spawn(size_t i, const std::string& name, os::SpawnRequest req, std::optional<int> notify_fd);
  // Starts service i's stop_command beside it.
  base::Status RunStop(size_t i, const os::SpawnRequest& req);
  // The stop signal or a forwarded one, to the process group of its start.
  base::Status Signal(size_t i, int sig);

  // A reaped pid: true when it was a main process (then `ended` ran) or a
  // lineage shim.
  bool Reaped(int pid, core::ExitStatus status);
  // Reads every report waiting from live lineage shims now (as their
  // handlers would): a command that ended hands over what it left, so
  // those processes are its service's before anything else looks at them.
  void ReadShims();
  // Which service's stop command `pid` was, forgetting it.
  std::optional<size_t> TakeStop(int pid);
  // Service i was removed and is down: everything it held goes.
  void Free(size_t i);

  int Pid(size_t i) const { return i < procs_.size() ? procs_[i].pid : 0; }
  int Pgid(size_t i) const { return i < procs_.size() ? procs_[i].pgid : 0; }
  int ShimPid(size_t i) const { return i < procs_.size() ? procs_[i].shim_pid : 0; }
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
    int shim_pid = 0;  // its lineage shim, until reaped
    base::UniqueFd shim;
    os::IoWatch shim_watch;
    bool shim_done = false;        // the shim's last report came
    std::vector<os::Handed> left;  // what the shim handed over so far
    // Its command outlived the window once: a foreground service, started
    // without a shim from then on (until its command line changes).
    bool foreground = false;
    std::vector<std::string> argv;  // of its last start
  };

  void WatchMain(size_t i);
  void OnMainEnded(size_t i, int pid);
  void OnShim(size_t i);
  void CloseShim(size_t i);
  void End(size_t i, core::ExitStatus status, bool exact);
  void OpenNotifyPipe(size_t i, const std::string& name, int target, os::SpawnRequest& req);
  void CloseNotifyPipe(size_t i);
  void OnNotifyPipe(size_t i);

  LoopContext ctx_;
  std::function<void()> reap_;
  Ended ended_;
  base::Duration lineage_window_;
  std::vector<Proc> procs_;
  std::map<int, size_t> stop_commands_;  // pid of a running stop_command -> service
};

}  // namespace app
