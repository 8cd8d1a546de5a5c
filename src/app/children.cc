#include "app/children.h"

#include "core/exit_status.h"
#include "os/process.h"

namespace app {

Children::Children(LoopContext ctx, std::function<void()> reap)
    : ctx_(std::move(ctx)), reap_(std::move(reap)) {}

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
  if (p.pidfd) {
    auto watch = ctx_.epoll.Add(p.pidfd.Get(), EPOLLIN, [this](uint32_t) { reap_(); });
    if (watch) p.pidfd_watch = std::move(*watch);
  }
  ctx_.events.push_back(core::Event::Spawned(i, child->pid));
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

std::optional<size_t> Children::TakeMain(int pid) {
  for (size_t i = 0; i < procs_.size(); ++i) {
    if (procs_[i].pid != pid) continue;
    procs_[i].pidfd_watch.Reset();  // before its pidfd closes
    procs_[i].pidfd.Reset();
    procs_[i].pid = 0;
    return i;
  }
  return std::nullopt;
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
