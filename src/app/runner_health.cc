// Runner, continued: health. Probe runs on the Supervisor's request (exec
// probes are supervised children with a timeout kept by the Supervisor;
// tcp and http probes are non-blocking sockets in the one epoll), s6's
// notification fd and systemd's NOTIFY_SOCKET.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "app/runner.h"
#include "core/notify_message.h"
#include "os/files.h"
#include "os/process.h"
#include "os/spawn.h"

namespace app {
namespace {

// ppid of `pid`, from /proc/PID/stat (after the last ')': comm may hold any).
int ParentOf(int pid) {
  auto stat = os::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return 0;
  size_t close = stat->rfind(')');
  if (close == std::string::npos || close + 4 >= stat->size()) return 0;
  return std::atoi(stat->c_str() + close + 4);  // ") S PPID"
}

}  // namespace

void Runner::DoProbe(const core::Action& a) {
  const spec::ProbeSpec* probe = supervisor_.ProbeOf(a.service, a.probe);
  if (!probe) return;
  ProbeKey key{a.service, a.probe};
  CancelProbe(key);  // the Supervisor never overlaps runs; be sure anyway
  ProbeRun& run = probes_[key];
  run.run = a.run;
  if (probe->kind == spec::ProbeSpec::Kind::kExec) {
    StartExecProbe(key, *probe);
  } else {
    StartSocketProbe(key, *probe);
  }
}

// As the service's user, in its directory and environment; output dropped
// (a probe that fails says why through its exit status).
void Runner::StartExecProbe(ProbeKey key, const spec::ProbeSpec& probe) {
  const spec::ServiceSpec& spec = Spec(key.service);
  os::SpawnRequest req = Request(spec, probe.command, key.service);
  req.stdout_fd = req.stderr_fd = dev_null_.Get();
  req.extra_fd = req.extra_target = -1;
  auto child = os::Spawn(req);
  if (!child) {
    ProbeDone(key, false, child.Err().Describe());
    return;
  }
  probes_[key].pid = child->pid;
  probe_pids_[child->pid] = key;
}

void Runner::StartSocketProbe(ProbeKey key, const spec::ProbeSpec& probe) {
  bool http = probe.kind == spec::ProbeSpec::Kind::kHttp;
  auto target = http ? spec::ParseHttpTarget(probe.target) : spec::ParseTcpTarget(probe.target);
  if (!target.target) {
    ProbeDone(key, false, target.error);
    return;
  }
  auto conn = os::ProbeConn::Start(*target.target, http);
  if (!conn) {
    ProbeDone(key, false, conn.Err().Describe());
    return;
  }
  ProbeRun& run = probes_[key];
  run.conn = std::make_unique<os::ProbeConn>(std::move(*conn));
  auto watch = epoll_.Add(run.conn->fd(), run.conn->WantEvents(),
                          [this, key](uint32_t events) { OnProbeSocket(key, events); });
  if (!watch) return ProbeDone(key, false, watch.Err().Describe());
  run.watch = std::move(*watch);
}

void Runner::OnProbeSocket(ProbeKey key, uint32_t events) {
  auto it = probes_.find(key);
  if (it == probes_.end() || !it->second.conn) return;
  os::ProbeConn& conn = *it->second.conn;
  switch (conn.OnEvents(events)) {
    case os::ProbeConn::Outcome::kPending: (void)it->second.watch.Modify(conn.WantEvents()); return;
    case os::ProbeConn::Outcome::kHealthy: ProbeDone(key, true, ""); return;
    case os::ProbeConn::Outcome::kUnhealthy: ProbeDone(key, false, conn.detail()); return;
  }
}

// Reports a run's result and forgets the run.
void Runner::ProbeDone(ProbeKey key, bool ok, std::string why) {
  auto it = probes_.find(key);
  if (it == probes_.end()) return;
  uint64_t run = it->second.run;
  CancelProbe(key);
  queue_.push_back(core::Event::Probed(key.service, key.kind, run, ok, std::move(why)));
}

// Stops a run in flight: its socket is closed, its process group killed
// (and reaped on the usual path, where it is recognised and dropped).
void Runner::CancelProbe(ProbeKey key) {
  auto it = probes_.find(key);
  if (it == probes_.end()) return;
  ProbeRun& run = it->second;
  run.watch.Reset();  // before its socket closes
  if (run.pid > 0) {
    (void)os::SignalGroup(run.pid, -1, SIGKILL);
    probe_pids_[run.pid] = ProbeKey{kNoService, key.kind};
  }
  probes_.erase(it);
}

// An exec probe's process ended: true when `pid` was one.
bool Runner::ReapProbe(int pid, const core::ExitStatus& status) {
  auto it = probe_pids_.find(pid);
  if (it == probe_pids_.end()) return false;
  ProbeKey key = it->second;
  probe_pids_.erase(it);
  if (key.service == kNoService) return true;  // cancelled: its result is moot
  auto run = probes_.find(key);
  if (run != probes_.end()) run->second.pid = 0;
  ProbeDone(key, status.Clean(), status.Describe());
  return true;
}

// What the service's environment gains: NOTIFY_SOCKET and the watchdog's
// period, as systemd sets them.
void Runner::HealthEnv(const spec::ServiceSpec& spec, std::map<std::string, std::string>& env) {
  if (!spec.SpeaksSdNotify()) return;
  if (!notify_socket_) OpenNotifySocket();
  if (notify_socket_) env["NOTIFY_SOCKET"] = notify_socket_->Name();
  if (spec.watchdog) {
    env["WATCHDOG_USEC"] = std::to_string(
        std::chrono::duration_cast<std::chrono::microseconds>(*spec.watchdog).count());
  }
}

// One abstract datagram socket for every service: no file to clean up, no
// permissions to get right for services that run as other users.
void Runner::OpenNotifySocket() {
  std::string name =
      "@tend/notify/" + std::to_string(getpid()) + "/" + std::to_string(os::WallMillis());
  auto sock = os::NotifySocket::Open(name);
  if (!sock) {
    Log(core::LogLevel::kError,
        "notify socket: " + sock.Err().Describe() + "; READY=1 and WATCHDOG=1 cannot be received");
    return;
  }
  notify_socket_ = std::move(*sock);
  auto watch = epoll_.Add(notify_socket_->fd(), EPOLLIN, [this](uint32_t) { OnNotifySocket(); });
  if (watch) notify_socket_watch_ = std::move(*watch);
}

void Runner::OnNotifySocket() {
  for (const os::NotifyDatagram& d : notify_socket_->ReceiveAll()) {
    size_t i = SenderService(d);
    if (i == kNoService || !Spec(i).SpeaksSdNotify()) {
      output_->Warn("notify: foreign messages",  // rate-limited: anyone may send floods
                    "notify message from pid " + std::to_string(d.pid) +
                        ", which is no process of a service using sd_notify; ignored");
      continue;
    }
    core::NotifyMessage m = core::ParseNotify(d.text);
    if (m.mainpid && *m.mainpid > 0) io_[i].mainpid = *m.mainpid;
    core::Notice n;
    n.ready = m.ready;
    n.watchdog = m.watchdog;
    n.watchdog_trigger = m.watchdog_trigger;
    n.stopping = m.stopping;
    n.status = m.status;
    queue_.push_back(core::Event::Notified(i, std::move(n)));
  }
}

// The service a datagram came from, or kNoService.
size_t Runner::SenderService(const os::NotifyDatagram& d) const {
  if (d.pid <= 0) return kNoService;  // no credentials: anyone
  if (auto i = ServiceOfPid(d.pid)) return *i;
  if (!os::ProcessExists(d.pid)) return GoneSender(d.uid).value_or(kNoService);
  return kNoService;
}

// A sender that exited before tend read its message (`systemd-notify
// --no-block READY=1; exec app` under load) cannot be traced to a service
// any more. Its uid still can: the message is taken when exactly one
// running sd_notify service runs as that user, and refused as ambiguous
// otherwise (docs/health.md says how to avoid that).
std::optional<size_t> Runner::GoneSender(uid_t uid) const {
  std::optional<size_t> found;
  const auto& services = supervisor_.services();
  for (size_t i = 0; i < services.size(); ++i) {
    const spec::ServiceSpec& spec = services[i].spec;
    uid_t runs_as = spec.credentials ? spec.credentials->uid : getuid();
    if (services[i].Retired() || !spec.SpeaksSdNotify() || !core::ProbesRun(services[i].state) ||
        runs_as != uid) {
      continue;
    }
    if (found) return std::nullopt;
    found = i;
  }
  return found;
}

// The service a process belongs to: its main process, a watched daemon, or
// a descendant of either (systemd-notify runs as a child of the service).
std::optional<size_t> Runner::ServiceOfPid(int pid) const {
  for (int depth = 0; pid > 1 && depth < 64; ++depth) {
    for (size_t i = 0; i < io_.size(); ++i) {
      if (io_[i].pid == pid) return i;
      for (const Watched& w : io_[i].daemons) {
        if (w.pid == pid) return i;
      }
    }
    pid = ParentOf(pid);
  }
  return std::nullopt;
}

// s6's readiness fd: the read end stays here; the child gets the write end
// at the number it asked for.
void Runner::PrepareNotifyFd(size_t i, os::SpawnRequest& req) {
  const spec::ServiceSpec& spec = Spec(i);
  CloseNotifyFd(i);
  if (!spec.notify_fd) return;
  auto pipe = os::NotifyPipe::Create();
  if (!pipe) {
    Log(core::LogLevel::kError, spec.name + ": notify_fd: " + pipe.Err().Describe());
    return;
  }
  io_[i].notify = std::make_unique<os::NotifyPipe>(std::move(*pipe));
  req.extra_fd = io_[i].notify->child_end();
  req.extra_target = *spec.notify_fd;
  auto watch = epoll_.Add(io_[i].notify->fd(), EPOLLIN, [this, i](uint32_t) { OnNotifyPipe(i); });
  if (watch) io_[i].notify_watch = std::move(*watch);
}

void Runner::CloseNotifyFd(size_t i) {
  io_[i].notify_watch.Reset();  // before its fd closes
  io_[i].notify.reset();
}

void Runner::OnNotifyPipe(size_t i) {
  if (i >= io_.size() || !io_[i].notify) return;
  switch (io_[i].notify->Read()) {
    case os::NotifyPipe::Outcome::kPending: return;
    case os::NotifyPipe::Outcome::kReady: {
      core::Notice n;
      n.ready = n.via_fd = true;
      queue_.push_back(core::Event::Notified(i, std::move(n)));
      CloseNotifyFd(i);
      return;
    }
    case os::NotifyPipe::Outcome::kClosed: CloseNotifyFd(i); return;
  }
}

}  // namespace app
