#include "app/daemon_watch.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>

#include "os/lineage.h"
#include "os/proc_scan.h"
#include "os/process.h"
#include "os/spawn.h"

namespace app {
namespace {

std::string Basename(const std::string& path) { return path.substr(path.rfind('/') + 1); }

}  // namespace

DaemonWatch::DaemonWatch(LoopContext ctx, const Children& children, std::function<void()> reap,
                         base::Duration scan_interval)
    : ctx_(std::move(ctx)),
      children_(children),
      reap_(std::move(reap)),
      scan_interval_(scan_interval) {
  // For tests of the fallback taken on kernels without pidfd_open.
  if (const char* v = std::getenv("TEND_NO_PIDFD"); v && *v == '1') {
    pidfds_ = false;
    no_pidfd_reason_ = "TEND_NO_PIDFD=1";
  }
}

// Every pid and group another service runs or watches: never a candidate
// for service i's daemon.
core::Ownership DaemonWatch::OwnershipExcept(size_t i) const {
  core::Ownership owned;
  owned.self = os::SelfPid();
  owned.whole_table = owned.self == 1;
  for (size_t j = 0; j < children_.size(); ++j) {
    if (children_.Pid(j) > 0) owned.taken.insert(children_.Pid(j));
    if (children_.ShimPid(j) > 0) owned.taken.insert(children_.ShimPid(j));
    if (j == i) continue;
    // Processes left in another service's start group are that service's,
    // even after its start command exited (a daemon that never setsid()s).
    if (children_.Pgid(j) > 0) owned.groups.insert(children_.Pgid(j));
    if (j < daemons_.size()) {
      for (const Watched& w : daemons_[j].procs) owned.taken.insert(w.pid);
    }
  }
  return owned;
}

core::Event DaemonWatch::Ended(size_t i, core::ExitStatus status, Left left) {
  if (daemons_.size() <= i) daemons_.resize(i + 1);
  Owned& owned = daemons_[i];
  std::string pids;
  int count = 0;
  // Without lineage, a clean exit's daemon is found by name, as before:
  // what stays in the command's group is not taken for it.
  if (!left.exact && status.Clean()) left.processes.clear();
  for (os::Handed& h : left.processes) {
    if (Watching(h.pid)) continue;
    Watched w;
    w.pid = h.pid;
    w.root = true;
    w.pidfd = std::move(h.pidfd);
    if (!Open(i, "", w)) continue;
    owned.procs.push_back(std::move(w));
    pids += (pids.empty() ? "" : " ") + std::to_string(h.pid);
    ++count;
  }
  owned.exact = left.exact;
  return core::Event::Exited(i, status, count, pids, left.exact);
}

void DaemonWatch::Scan(size_t i, const spec::ServiceSpec& spec, bool first_look) {
  if (daemons_.size() <= i) daemons_.resize(i + 1);
  if (daemons_[i].exact) {
    // Lineage knows what the command left: that is its daemon, whatever
    // its name; no look at the process table by name.
    daemons_[i].exact = false;
    const auto& procs = daemons_[i].procs;
    std::string list;
    for (const Watched& w : procs) list += (list.empty() ? "" : " ") + std::to_string(w.pid);
    ctx_.events.push_back(
        core::Event::Lineage(i, static_cast<int>(procs.size()), list, !pidfds_, Describe(i, spec)));
    return;
  }
  // Looks before a first start share one snapshot of the process table:
  // what tend started since is excluded anyway (it is taken), and 100
  // services then cost one scan, not 100.
  if (!first_look) snapshot_.reset();  // a later look needs the present
  if (!snapshot_) snapshot_ = os::ScanProcesses();
  const std::vector<core::ProcInfo>& table = *snapshot_;
  core::Ownership owned = OwnershipExcept(i);
  if (!spec.command.needs_shell) owned.script = spec.command.words[0];
  core::DaemonHints hints;
  if (spec.match.kind == spec::MatchRule::Kind::kPidfile) {
    hints.pidfile_pid = os::ReadPidfile(spec.match.pattern);
  }
  hints.mainpid = children_.MainPid(i);
  hints.mainpid_alive = hints.mainpid > 0 && os::ProcessExists(hints.mainpid);
  std::vector<int> pids =
      Confirmed(spec.match, core::PickDaemon(spec.match, table, owned, hints), hints.mainpid);
  std::set<int> mains;
  for (size_t j = 0; j < children_.size(); ++j) {
    if (children_.Pid(j) > 0) mains.insert(children_.Pid(j));
    if (children_.ShimPid(j) > 0) mains.insert(children_.ShimPid(j));  // not leftovers
  }
  bool leftovers = core::HasLeftovers(table, owned, mains);
  Watch(i, spec.name, pids, table);
  std::string list;
  for (const Watched& w : daemons_[i].procs) {
    list += (list.empty() ? "" : " ") + std::to_string(w.pid);
  }
  ctx_.events.push_back(core::Event::Scanned(i, static_cast<int>(daemons_[i].procs.size()), list,
                                             leftovers, !pidfds_));
}

// The candidates that still match when read again. A process caught in
// execve shows its new command line with its old name for a moment (the
// kernel replaces the memory before the name): an init script's subshell
// about to become `sleep` looks like the script's daemon.
// MAINPID= and pidfiles name their process: nothing to confirm.
std::vector<int> DaemonWatch::Confirmed(const spec::MatchRule& rule, std::vector<int> pids,
                                        int mainpid) {
  if (rule.kind == spec::MatchRule::Kind::kPidfile) return pids;
  std::vector<int> out;
  for (int pid : pids) {
    if (pid == mainpid) {
      out.push_back(pid);
      continue;
    }
    auto again = os::ReadProcess(pid);
    if (again && core::RuleMatches(rule, *again)) out.push_back(pid);
  }
  return out;
}

// Watches `pids` for service i, on top of those it already watches (a
// daemon's later processes join the set). Without pidfds the scan is the
// only truth, so the set is replaced.
void DaemonWatch::Watch(size_t i, const std::string& name, const std::vector<int>& pids,
                        const std::vector<core::ProcInfo>& table) {
  auto& ds = daemons_[i].procs;
  if (!pidfds_) ds.clear();
  std::set<int> all(pids.begin(), pids.end());
  for (const Watched& w : ds) all.insert(w.pid);
  std::set<int> roots = core::DaemonRoots({all.begin(), all.end()}, table);
  for (Watched& w : ds) w.root = roots.count(w.pid) > 0;
  for (int pid : pids) {
    if (std::any_of(ds.begin(), ds.end(), [pid](const Watched& w) { return w.pid == pid; })) {
      continue;
    }
    Watched w;
    w.pid = pid;
    w.root = roots.count(pid) > 0;
    if (Open(i, name, w)) ds.push_back(std::move(w));
  }
  if (!pidfds_ && !no_pidfd_reason_.empty() && !ds.empty()) {
    ctx_.log(core::LogLevel::kWarn,
             no_pidfd_reason_ + ": adopted daemons are looked for again every " +
                 base::FormatDuration(scan_interval_) + " instead (--scan-interval)");
    no_pidfd_reason_.clear();  // once
  }
}

// Opens w's pidfd (unless it came with one) and watches it; false when the
// process is already gone or cannot be watched.
bool DaemonWatch::Open(size_t i, const std::string& name, Watched& w) {
  if (auto p = os::ReadProcess(w.pid); p && p->pgrp == w.pid) w.pgid = w.pid;
  if (!pidfds_) {
    w.pidfd.Reset();
    return true;
  }
  if (w.pidfd) return WatchFd(i, w);
  auto fd = os::PidfdOpen(w.pid);
  if (!fd && fd.Err().err == ESRCH) return false;  // gone since the scan
  if (!fd && fd.Err().err == ENOSYS) {
    pidfds_ = false;
    no_pidfd_reason_ = "pidfd_open is not available on this kernel";
    return true;
  }
  if (!fd) {
    ctx_.log(core::LogLevel::kWarn, name + ": " + fd.Err().Describe());
    return false;
  }
  w.pidfd = std::move(*fd);
  return WatchFd(i, w);
}

bool DaemonWatch::WatchFd(size_t i, Watched& w) {
  int pid = w.pid;
  auto watch = ctx_.epoll.Add(w.pidfd.Get(), EPOLLIN, [this, i, pid](uint32_t) {
    reap_();  // when the daemon was tend's child, this finds its exit status
    if (StillTheShims(i, pid)) return;
    ForgetIn(i, pid, std::nullopt);
  });
  if (watch) w.watch = std::move(*watch);
  return true;
}

// A process a shim handed over that ended before the shim itself exited is
// the shim's zombie: it is tend's to reap once the shim is gone (SIGCHLD),
// with its status. Its pidfd stays readable meanwhile: stop watching it.
bool DaemonWatch::StillTheShims(size_t i, int pid) {
  int parent = os::ParentOf(pid);
  bool shims = false;
  for (size_t j = 0; j < children_.size() && parent > 0; ++j) {
    shims = shims || children_.ShimPid(j) == parent;
  }
  if (!shims) return false;
  for (Watched& w : daemons_[i].procs) {
    if (w.pid == pid) w.watch.Reset();
  }
  return true;
}

bool DaemonWatch::Watching(int pid) const {
  for (const Owned& o : daemons_) {
    for (const Watched& w : o.procs) {
      if (w.pid == pid) return true;
    }
  }
  return false;
}

void DaemonWatch::Unwatch(size_t i) {
  if (i < daemons_.size()) daemons_[i] = Owned();  // each watch goes before its pidfd
}

void DaemonWatch::Release(size_t i, int sig) {
  if (sig != 0) {
    Signal(i, sig);
    if (sig != SIGKILL) Signal(i, SIGCONT);  // a stopped daemon must see it (core SendStop)
  }
  Unwatch(i);
}

void DaemonWatch::Signal(size_t i, int sig) const {
  if (i >= daemons_.size()) return;
  for (const Watched& w : daemons_[i].procs) os::SignalDaemon(w.pid, w.pidfd.Get(), sig);
}

bool DaemonWatch::Forget(int pid, std::optional<core::ExitStatus> status) {
  // An adopted daemon is tend's child once its parent exited; its death
  // also makes its pidfd readable. Whichever path sees it first forgets
  // it, so both agree and it is reported once.
  for (size_t i = 0; i < daemons_.size(); ++i) {
    if (ForgetIn(i, pid, status)) return true;
  }
  return false;
}

// Drops one watched daemon process; reports the service's daemon gone when
// it was the last main one. False when service i did not watch `pid`.
bool DaemonWatch::ForgetIn(size_t i, int pid, std::optional<core::ExitStatus> status) {
  auto& ds = daemons_[i].procs;
  auto it = std::find_if(ds.begin(), ds.end(), [pid](const Watched& w) { return w.pid == pid; });
  if (it == ds.end()) return false;
  bool root = it->root;
  if (it->pgid > 0) daemons_[i].groups.insert(it->pgid);
  ds.erase(it);
  bool roots_left = std::any_of(ds.begin(), ds.end(), [](const Watched& w) { return w.root; });
  if (root && !roots_left) {
    TakeInGroups(i);
    std::string pids;
    for (const Watched& w : ds) pids += (pids.empty() ? "" : " ") + std::to_string(w.pid);
    ctx_.events.push_back(
        core::Event::DaemonGone(i, pid, status, static_cast<int>(ds.size()), pids));
  }
  return true;
}

// The last root ended: what is left in the groups the roots led (workers
// that outlive their master) is the service's too. Everything still
// watched becomes a root, so that the next DaemonGone says all of it ended.
void DaemonWatch::TakeInGroups(size_t i) {
  Owned& owned = daemons_[i];
  for (int pgid : owned.groups) {
    for (os::Handed& h : os::GroupMembers(pgid)) {
      if (Watching(h.pid)) continue;
      Watched w;
      w.pid = h.pid;
      w.pidfd = std::move(h.pidfd);
      if (Open(i, "", w)) owned.procs.push_back(std::move(w));
    }
  }
  owned.groups.clear();
  for (Watched& w : owned.procs) w.root = true;
}

// "php-fpm8.2 (pid 11, 2 workers)": the roots by name, and how many
// processes descend from them or share their groups.
std::string DaemonWatch::Describe(size_t i, const spec::ServiceSpec& spec) const {
  const auto& procs = daemons_[i].procs;
  if (procs.empty()) return "";
  std::vector<core::ProcInfo> table = os::ScanProcesses();
  std::set<int> roots;
  for (const Watched& w : procs) roots.insert(w.pid);
  std::string names, pids;
  constexpr size_t kShown = 8;  // pids named in the line; tendctl status lists them all
  size_t shown = 0;
  const std::string& script = spec.command.words.empty() ? "" : spec.command.words[0];
  for (const core::ProcInfo& p : table) {
    if (!roots.count(p.pid)) continue;
    // A subshell of the start script caught in execve still has the
    // script's name; its command line is already the new program's.
    // (Not a daemon that wrote its own title there: "nginx: master ...".)
    std::string name = p.comm;
    bool plain = !p.argv0.empty() && p.argv0.find_first_of(" :") == std::string::npos;
    if (plain && name == Basename(script).substr(0, 15)) name = Basename(p.argv0);
    if (names.find(name) == std::string::npos) names += (names.empty() ? "" : ", ") + name;
    if (++shown <= kShown) pids += (pids.empty() ? "" : " ") + std::to_string(p.pid);
  }
  if (shown > kShown) pids += " and " + std::to_string(shown - kShown) + " more";
  size_t workers = core::Descendants(table, roots).size();
  std::string text =
      (names.empty() ? "processes" : names) + " (pid" + (roots.size() > 1 ? "s " : " ") + pids;
  if (workers > 0) text += ", " + std::to_string(workers) + (workers == 1 ? " worker" : " workers");
  return text + ")";
}

std::vector<int> DaemonWatch::Pids(size_t i) const {
  std::vector<int> pids;
  if (i < daemons_.size()) {
    for (const Watched& w : daemons_[i].procs) pids.push_back(w.pid);
  }
  return pids;
}

std::map<int, size_t> DaemonWatch::Owners() const {
  std::map<int, size_t> out;
  for (size_t i = 0; i < children_.size(); ++i) {
    if (children_.Pid(i) > 0) out[children_.Pid(i)] = i;
    if (children_.ShimPid(i) > 0) out[children_.ShimPid(i)] = i;
  }
  for (size_t i = 0; i < daemons_.size(); ++i) {
    for (const Watched& w : daemons_[i].procs) out[w.pid] = i;
  }
  return out;
}

std::map<int, size_t> SenderOwners(const std::vector<int>& lineage, Children& children,
                                   const DaemonWatch& daemons) {
  std::map<int, size_t> owners = daemons.Owners();
  if (lineage.size() != 1 || owners.count(lineage[0])) return owners;
  children.ReadShims();
  return daemons.Owners();
}

}  // namespace app
