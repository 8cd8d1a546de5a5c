// Runner, continued: adopted daemons. Scanning the process table on the
// Supervisor's request, watching matches through pidfds, and reporting
// when the last main process of a daemon is gone.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "app/runner.h"
#include "os/proc_scan.h"
#include "os/process.h"
#include "os/spawn.h"

namespace app {

// Every pid and group another service runs or watches: never a candidate
// for service i's daemon.
core::Ownership Runner::OwnershipExcept(size_t i) const {
  core::Ownership owned;
  owned.self = getpid();
  owned.whole_table = owned.self == 1;
  for (size_t j = 0; j < io_.size(); ++j) {
    if (io_[j].pid > 0) owned.taken.insert(io_[j].pid);
    if (j == i) continue;
    // Processes left in another service's start group are that service's,
    // even after its start command exited (a daemon that never setsid()s).
    if (io_[j].pgid > 0) owned.groups.insert(io_[j].pgid);
    for (const Watched& w : io_[j].daemons) owned.taken.insert(w.pid);
  }
  return owned;
}

void Runner::DoScan(size_t i) {
  if (io_.size() < supervisor_.services().size()) io_.resize(supervisor_.services().size());
  const spec::ServiceSpec& spec = Spec(i);
  // Looks before a first start share one snapshot of the process table:
  // what tend started since is excluded anyway (it is taken), and 100
  // services then cost one scan, not 100.
  // The snapshot is dropped before each epoll_wait.
  bool first_look = supervisor_.services()[i].state == core::State::kIdle;
  if (!first_look) start_table_.reset();  // a later look needs the present
  if (!start_table_) start_table_ = os::ScanProcesses();
  const std::vector<core::ProcInfo>& table = *start_table_;
  core::Ownership owned = OwnershipExcept(i);
  if (!spec.command.needs_shell) owned.script = spec.command.words[0];
  std::vector<int> pids;
  if (spec.match.kind == spec::MatchRule::Kind::kPidfile) {
    auto pid = os::ReadPidfile(spec.match.pattern);
    if (pid && !owned.taken.count(*pid) && *pid != owned.self) pids.push_back(*pid);
  } else {
    pids = core::FindDaemon(spec.match, table, owned);
  }
  // MAINPID= it sent over NOTIFY_SOCKET names its daemon, whatever its name.
  int hint = io_[i].mainpid;
  if (pids.empty() && hint > 0 && !owned.taken.count(hint) && os::ProcessExists(hint)) {
    pids.push_back(hint);
  }
  std::set<int> mains;
  for (const ServiceIo& io : io_) {
    if (io.pid > 0) mains.insert(io.pid);
  }
  bool leftovers = core::HasLeftovers(table, owned, mains);
  Watch(i, pids, table);
  std::string list;
  for (const Watched& w : io_[i].daemons) {
    if (!list.empty()) list += ' ';
    list += std::to_string(w.pid);
  }
  queue_.push_back(
      core::Event::Scanned(i, static_cast<int>(io_[i].daemons.size()), list, leftovers, !pidfds_));
}

// Watches `pids` for service i, on top of those it already watches (a
// daemon's later processes join the set). Without pidfds the scan is the
// only truth, so the set is replaced.
void Runner::Watch(size_t i, std::vector<int> pids, const std::vector<core::ProcInfo>& table) {
  auto& ds = io_[i].daemons;
  if (!pidfds_) Unwatch(i);
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
    if (pidfds_) {
      auto fd = os::PidfdOpen(pid);
      if (!fd && fd.Err().err == ESRCH) continue;  // gone since the scan
      if (!fd && fd.Err().err == ENOSYS) {
        pidfds_ = false;
        no_pidfd_reason_ = "pidfd_open is not available on this kernel";
      } else if (!fd) {
        Log(core::LogLevel::kWarn, Spec(i).name + ": " + fd.Err().Describe());
        continue;
      } else {
        w.pidfd = std::move(*fd);
        auto watch =
            epoll_.Add(w.pidfd.Get(), EPOLLIN, [this, i, pid](uint32_t) { OnDaemonFd(i, pid); });
        if (watch) w.watch = std::move(*watch);
      }
    }
    ds.push_back(std::move(w));
  }
  if (!pidfds_ && !no_pidfd_reason_.empty() && !ds.empty()) {
    Log(core::LogLevel::kWarn, no_pidfd_reason_ + ": adopted daemons are looked for again every " +
                                   base::FormatDuration(plan_.scan_interval) +
                                   " instead (--scan-interval)");
    no_pidfd_reason_.clear();  // once
  }
}

void Runner::Unwatch(size_t i) {
  if (i >= io_.size()) return;
  io_[i].daemons.clear();  // each watch goes before its pidfd
}

// Drops one watched daemon process; reports the service's daemon gone when
// it was the last main one. False when service i did not watch `pid`.
bool Runner::ForgetDaemon(size_t i, int pid, std::optional<core::ExitStatus> status) {
  auto& ds = io_[i].daemons;
  auto it = std::find_if(ds.begin(), ds.end(), [pid](const Watched& w) { return w.pid == pid; });
  if (it == ds.end()) return false;
  bool root = it->root;
  ds.erase(it);
  bool roots_left = std::any_of(ds.begin(), ds.end(), [](const Watched& w) { return w.root; });
  if (root && !roots_left) {
    queue_.push_back(core::Event::DaemonGone(i, pid, status, static_cast<int>(ds.size())));
  }
  return true;
}

void Runner::DoRelease(size_t i, int sig) {
  for (const Watched& w : io_[i].daemons) {
    os::SignalDaemon(w.pid, w.pidfd.Get(), sig);
    if (sig != SIGKILL) os::SignalDaemon(w.pid, w.pidfd.Get(), SIGCONT);  // see SendStop
  }
  Unwatch(i);
}

void Runner::OnDaemonFd(size_t i, int pid) {
  Reap();  // when the daemon was tend's child, this finds its exit status
  ForgetDaemon(i, pid, std::nullopt);
}

}  // namespace app
