// DaemonWatch: the processes a service owns beside its main process: what
// its command left behind when it ended (by lineage, from Children: a
// daemon, whatever its name, or a crashed process's leftovers), and daemons
// adopted by name (core::PickDaemon over a scan of /proc: one that ran
// before tend, or where lineage could not tell). It opens a pidfd for each
// and watches it; when the last main ("root") process of a service's set is
// gone it queues DaemonGone, after taking in what was left in the groups
// those roots led (a daemon's workers). Without pidfd_open (old kernels)
// the scan is the only truth and the Supervisor asks again every
// scan_interval.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/children.h"
#include "app/loop_context.h"
#include "config/service_spec.h"
#include "core/process_match.h"

namespace app {

class DaemonWatch {
 public:
  DaemonWatch(LoopContext ctx, const Children& children, std::function<void()> reap,
              base::Duration scan_interval);

  // Service i's main process ended, leaving `left`: they are service i's
  // now, watched as roots. Returns the Exited event that says so.
  core::Event Ended(size_t i, core::ExitStatus status, Left left);
  // Looks for service i's daemon and queues Scanned: what its command left,
  // when lineage knows it exactly, else by its match rule. `first_look`: before
  // its first start, when looks share one snapshot of the process table.
  void Scan(size_t i, const spec::ServiceSpec& spec, bool first_look);
  // Drops the snapshot first looks share. The loop calls it before it
  // waits: the looks of one uncut cascade of events (start-up, one service
  // started after another) share one scan, not one per service.
  void ForgetSnapshot() { snapshot_.reset(); }
  // Stops watching service i's daemon (a new start: it is not its daemon).
  void Unwatch(size_t i);
  // Sends `sig` to service i's daemon processes (SIGCONT after it unless
  // it is SIGKILL) and stops watching them.
  void Release(size_t i, int sig);
  void Signal(size_t i, int sig) const;
  // A reaped pid or a pidfd that fired: true when it was a watched process.
  bool Forget(int pid, std::optional<core::ExitStatus> status);
  std::vector<int> Pids(size_t i) const;
  // Every pid that stands for a service, and its service: main processes,
  // lineage shims and watched daemons (a descendant of one is the
  // service's too: core::OwnerByLineage).
  std::map<int, size_t> Owners() const;
  size_t Count(size_t i) const { return i < daemons_.size() ? daemons_[i].procs.size() : 0; }

 private:
  struct Watched {  // one adopted daemon process
    int pid = 0;
    base::UniqueFd pidfd;  // invalid in the rescan fallback
    os::IoWatch watch;     // after pidfd: unregistered before it closes
    bool root = false;     // a main process, not one of its workers
    int pgid = 0;          // the group it leads, if it leads one
  };
  struct Owned {  // service i's set
    std::vector<Watched> procs;
    bool exact = false;    // procs are exactly what its command left (answer the next look)
    std::set<int> groups;  // groups led by roots that ended: their members are its too
  };

  core::Ownership OwnershipExcept(size_t i) const;
  static std::vector<int> Confirmed(const spec::MatchRule& rule, std::vector<int> pids,
                                    int mainpid);
  void Watch(size_t i, const std::string& name, const std::vector<int>& pids,
             const std::vector<core::ProcInfo>& table);
  bool Open(size_t i, const std::string& name, Watched& w);
  bool WatchFd(size_t i, Watched& w);
  bool Watching(int pid) const;
  bool StillTheShims(size_t i, int pid);
  void TakeInGroups(size_t i);
  std::string Describe(size_t i, const spec::ServiceSpec& spec) const;
  bool ForgetIn(size_t i, int pid, std::optional<core::ExitStatus> status);

  LoopContext ctx_;
  const Children& children_;
  std::function<void()> reap_;
  base::Duration scan_interval_;
  std::vector<Owned> daemons_;
  std::optional<std::vector<core::ProcInfo>> snapshot_;  // see Scan
  bool pidfds_ = true;           // false: no pidfd_open here; rescan instead
  std::string no_pidfd_reason_;  // logged once, the first time it matters
};

// Owners() for a datagram's sender with `lineage` (pid, parent, ...). A
// sender that is tend's own child and no service's may be a daemon whose
// start command just ended (its lineage shim exited, so it was reparented
// to tend) with the shim's handover still unread: that is read first.
std::map<int, size_t> SenderOwners(const std::vector<int>& lineage, Children& children,
                                   const DaemonWatch& daemons);

}  // namespace app
