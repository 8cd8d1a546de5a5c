#include "app/probe_runner.h"

#include <csignal>

#include "config/probe_target.h"
#include "os/process.h"

namespace app {

void ProbeRunner::Start(size_t i, core::ProbeKind kind, uint64_t run, const spec::ProbeSpec& probe,
                        const std::function<os::SpawnRequest()>& exec_request) {
  Key key{i, kind};
  Cancel(i, kind);  // the Supervisor never overlaps runs; be sure anyway
  runs_[key].run = run;
  if (probe.kind == spec::ProbeSpec::Kind::kExec) {
    StartExec(key, exec_request());
  } else {
    StartSocket(key, probe);
  }
}

// As the service's user, in its directory and environment; output dropped
// (a probe that fails says why through its exit status).
void ProbeRunner::StartExec(Key key, const os::SpawnRequest& req) {
  auto child = os::Spawn(req);
  if (!child) return Done(key, false, child.Err().Describe());
  runs_[key].pid = child->pid;
  pids_[child->pid] = key;
}

void ProbeRunner::StartSocket(Key key, const spec::ProbeSpec& probe) {
  bool http = probe.kind == spec::ProbeSpec::Kind::kHttp;
  auto target = http ? spec::ParseHttpTarget(probe.target) : spec::ParseTcpTarget(probe.target);
  if (!target.target) return Done(key, false, target.error);
  auto conn = os::ProbeConn::Start(*target.target, http);
  if (!conn) return Done(key, false, conn.Err().Describe());
  Run& run = runs_[key];
  run.conn = std::make_unique<os::ProbeConn>(std::move(*conn));
  auto watch = ctx_.epoll.Add(run.conn->fd(), run.conn->WantEvents(),
                              [this, key](uint32_t events) { OnSocket(key, events); });
  if (!watch) return Done(key, false, watch.Err().Describe());
  run.watch = std::move(*watch);
}

void ProbeRunner::OnSocket(Key key, uint32_t events) {
  auto it = runs_.find(key);
  if (it == runs_.end() || !it->second.conn) return;
  os::ProbeConn& conn = *it->second.conn;
  switch (conn.OnEvents(events)) {
    case os::ProbeConn::Outcome::kPending: (void)it->second.watch.Modify(conn.WantEvents()); return;
    case os::ProbeConn::Outcome::kHealthy: Done(key, true, ""); return;
    case os::ProbeConn::Outcome::kUnhealthy: Done(key, false, conn.detail()); return;
  }
}

// Reports a run's result and forgets the run.
void ProbeRunner::Done(Key key, bool ok, std::string why) {
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  uint64_t run = it->second.run;
  Cancel(key.service, key.kind);
  ctx_.events.push_back(core::Event::Probed(key.service, key.kind, run, ok, std::move(why)));
}

void ProbeRunner::Cancel(size_t i, core::ProbeKind kind) {
  auto it = runs_.find(Key{i, kind});
  if (it == runs_.end()) return;
  Run& run = it->second;
  run.watch.Reset();  // before its socket closes
  if (run.pid > 0) {
    (void)os::SignalGroup(run.pid, -1, SIGKILL);
    pids_[run.pid] = std::nullopt;
  }
  runs_.erase(it);
}

bool ProbeRunner::Reaped(int pid, const core::ExitStatus& status) {
  auto it = pids_.find(pid);
  if (it == pids_.end()) return false;
  std::optional<Key> key = it->second;
  pids_.erase(it);
  if (!key) return true;  // cancelled: its result is moot
  auto run = runs_.find(*key);
  if (run != runs_.end()) run->second.pid = 0;
  Done(*key, status.Clean(), status.Describe());
  return true;
}

}  // namespace app
