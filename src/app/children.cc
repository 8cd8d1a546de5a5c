#include "app/children.h"

#include <algorithm>
#include <csignal>

#include "core/exit_status.h"
#include "os/process.h"

namespace app {

Children::Children(LoopContext ctx, std::function<void()> reap, Ended ended,
                   base::Duration lineage_window)
    : ctx_(std::move(ctx)),
      reap_(std::move(reap)),
      ended_(std::move(ended)),
      lineage_window_(lineage_window) {}

void Children::Resize(size_t n) {
  if (procs_.size() < n) procs_.resize(n);
}

void Children::Spawn(size_t i, const std::string& name, os::SpawnRequest req,
                     std::optional<int> notify_fd) {
  Resize(i + 1);
  Proc& p = procs_[i];
  p.mainpid = 0;
  CloseNotifyPipe(i);
  if (notify_fd) OpenNotifyPipe(i, name, *notify_fd, req);
  CloseShim(i);
  p.left.clear();
  if (p.argv != req.argv) p.foreground = false;
  p.argv = req.argv;
  // A shim costs a fork and, while it lives, its memory; a service known to
  // run in the foreground has nothing for it to hand over at exit (what it
  // leaves when it crashes is found in its process group).
  if (lineage_window_ > base::Duration::zero() && !p.foreground) {
    req.lineage_window = lineage_window_;
    req.lineage_title = "tend: lineage shim of " + name;
  }
  auto child = os::Spawn(req);
  if (p.notify) p.notify->CloseChildEnd();  // else EOF never comes
  if (!child) {
    CloseNotifyPipe(i);
    const base::Error& err = child.Err();
    ctx_.events.push_back(core::Event::ExecFailed(
        i, core::ExitStatus::Code(os::ExecFailureCode(err)), err.Describe()));
    return;
  }
  p.pid = child->pid;
  p.pgid = child->pid;
  p.pidfd = std::move(child->pidfd);
  p.shim_pid = child->shim_pid;
  if (child->lineage) {
    // While the shim lives it reaps the command and reports its end.
    p.shim = std::move(child->lineage);
    p.shim_done = false;
    auto watch = ctx_.epoll.Add(p.shim.Get(), EPOLLIN, [this, i](uint32_t) { OnShim(i); });
    if (watch) p.shim_watch = std::move(*watch);
  } else {
    WatchMain(i);
  }
  ctx_.events.push_back(core::Event::Spawned(i, child->pid));
}

// The main process's pidfd, once it is (or is about to be) tend's child.
void Children::WatchMain(size_t i) {
  Proc& p = procs_[i];
  if (!p.pidfd || p.pidfd_watch) return;
  int pid = p.pid;
  auto watch =
      ctx_.epoll.Add(p.pidfd.Get(), EPOLLIN, [this, i, pid](uint32_t) { OnMainEnded(i, pid); });
  if (watch) p.pidfd_watch = std::move(*watch);
}

// The main process's pidfd says it ended: the reaping path normally ends it.
// If it was not tend's child yet (the shim was exiting), the shim's reap
// brings it; if the shim reaped it and died before it could report, its
// status is lost.
void Children::OnMainEnded(size_t i, int pid) {
  reap_();
  Proc& p = procs_[i];
  if (p.pid != pid) return;
  p.pidfd_watch.Reset();  // level-triggered: no second wake-up
  if (p.shim_pid != 0) return;
  ctx_.log(core::LogLevel::kWarn, "pid " + std::to_string(pid) +
                                      " ended while its lineage shim died: exit status unknown");
  End(i, core::ExitStatus::Signal(SIGKILL), false);
}

// Reports from service i's lineage shim, all that are waiting.
void Children::OnShim(size_t i) {
  Proc& p = procs_[i];
  while (p.shim) {
    auto report = os::ReadShimReport(p.shim.Get());
    if (!report) return CloseShim(i);  // it exited: EOF
    if (!*report) return;
    os::ShimReport& r = **report;
    for (os::Handed& h : r.left) p.left.push_back(std::move(h));
    switch (r.kind) {
      case os::ShimReport::Kind::kStarted:
      case os::ShimReport::Kind::kLeft: break;
      case os::ShimReport::Kind::kExited:
        p.shim_done = true;
        End(i, core::ExitStatus::FromWaitStatus(r.wait_status), true);
        break;
      case os::ShimReport::Kind::kHandover:
        // A foreground service: it runs on as tend's child; what was
        // orphaned so far stays its, told when it ends.
        p.shim_done = true;
        p.foreground = true;
        WatchMain(i);
        break;
    }
  }
}

// The shim is gone. Had it not said its last, the command outlived it and
// is tend's child now.
void Children::CloseShim(size_t i) {
  Proc& p = procs_[i];
  p.shim_watch.Reset();  // before its fd closes
  p.shim.Reset();
  if (!p.shim_done && p.pid > 0) WatchMain(i);
  p.shim_done = true;
}

// Service i's main process ended: say so, with what it left.
void Children::End(size_t i, core::ExitStatus status, bool exact) {
  Proc& p = procs_[i];
  Left left;
  left.exact = exact;
  left.processes = std::move(p.left);
  p.left.clear();
  if (!exact) {
    for (os::Handed& h : os::GroupMembers(p.pgid)) {
      bool known = std::any_of(left.processes.begin(), left.processes.end(),
                               [&](const os::Handed& k) { return k.pid == h.pid; });
      if (!known) left.processes.push_back(std::move(h));
    }
  }
  p.pidfd_watch.Reset();  // before its pidfd closes
  p.pidfd.Reset();
  p.pid = 0;
  ended_(i, status, std::move(left));
}

base::Status Children::RunStop(size_t i, const os::SpawnRequest& req) {
  auto child = os::Spawn(req);
  if (!child) return child.Err();
  stop_commands_[child->pid] = i;
  return base::OkStatus();
}

base::Status Children::Signal(size_t i, int sig) {
  if (i >= procs_.size() || procs_[i].pid <= 0) return base::OkStatus();
  return os::SignalGroup(procs_[i].pid, procs_[i].pidfd.Get(), sig);
}

bool Children::Reaped(int pid, core::ExitStatus status) {
  for (size_t i = 0; i < procs_.size(); ++i) {
    Proc& p = procs_[i];
    if (p.shim_pid == pid) {
      p.shim_pid = 0;
      OnShim(i);  // its last reports were sent before it exited
      CloseShim(i);
      return true;
    }
    if (p.pid == pid) {
      if (p.shim) OnShim(i);  // a handover not read yet
      if (p.pid == pid) End(i, status, false);
      return true;
    }
  }
  return false;
}

void Children::ReadShims() {
  for (size_t i = 0; i < procs_.size(); ++i) {
    if (procs_[i].shim) OnShim(i);
  }
}

std::optional<size_t> Children::TakeStop(int pid) {
  auto it = stop_commands_.find(pid);
  if (it == stop_commands_.end()) return std::nullopt;
  size_t i = it->second;
  stop_commands_.erase(it);
  return i;
}

void Children::Free(size_t i) {
  if (i >= procs_.size()) return;
  CloseNotifyPipe(i);
  CloseShim(i);
  procs_[i].pidfd_watch.Reset();
  procs_[i] = Proc();
}

// s6's readiness fd: the read end stays here; the child gets the write end
// at the number it asked for.
void Children::OpenNotifyPipe(size_t i, const std::string& name, int target,
                              os::SpawnRequest& req) {
  auto pipe = os::NotifyPipe::Create();
  if (!pipe) {
    ctx_.log(core::LogLevel::kError, name + ": notify_fd: " + pipe.Err().Describe());
    return;
  }
  Proc& p = procs_[i];
  p.notify = std::make_unique<os::NotifyPipe>(std::move(*pipe));
  req.extra_fd = p.notify->child_end();
  req.extra_target = target;
  auto watch = ctx_.epoll.Add(p.notify->fd(), EPOLLIN, [this, i](uint32_t) { OnNotifyPipe(i); });
  if (watch) p.notify_watch = std::move(*watch);
}

void Children::CloseNotifyPipe(size_t i) {
  procs_[i].notify_watch.Reset();  // before its fd closes
  procs_[i].notify.reset();
}

void Children::OnNotifyPipe(size_t i) {
  if (i >= procs_.size() || !procs_[i].notify) return;
  switch (procs_[i].notify->Read()) {
    case os::NotifyPipe::Outcome::kPending: return;
    case os::NotifyPipe::Outcome::kReady: {
      core::Notice n;
      n.ready = n.via_fd = true;
      ctx_.events.push_back(core::Event::Notified(i, std::move(n)));
      CloseNotifyPipe(i);
      return;
    }
    case os::NotifyPipe::Outcome::kClosed: CloseNotifyPipe(i); return;
  }
}

}  // namespace app
