// The Supervisor's health decisions: readiness (ready_after, notifications,
// the readiness probe), liveness (probe and watchdog) and start_timeout.
// Probe runs are actions like any other: the event loop carries them out
// and answers kProbed; their timeouts are kept here, with the other times.
#include <algorithm>
#include <csignal>

#include "core/supervisor.h"

namespace core {
namespace {

const char* ProbeName(ProbeKind p) { return p == ProbeKind::kLiveness ? "liveness" : "readiness"; }

bool Serving(State state) { return state == State::kRunning || state == State::kAdopted; }

}  // namespace

bool ProbesRun(State state) {
  return state == State::kRunning || state == State::kSettling || state == State::kAdopted;
}

const spec::ProbeSpec* Supervisor::ProbeOf(size_t i, ProbeKind p) const {
  const auto& probe =
      p == ProbeKind::kLiveness ? services_[i].spec.liveness : services_[i].spec.readiness;
  return probe ? &*probe : nullptr;
}

Probe& Supervisor::ProbeState(size_t i, ProbeKind p) {
  return p == ProbeKind::kLiveness ? services_[i].liveness : services_[i].readiness;
}

bool Supervisor::Ready(size_t i) const {
  const ServiceRuntime& s = services_[i];
  if (s.spec.type == spec::ServiceType::kOneshot) {
    return s.completed || s.spec.schedule.has_value();
  }
  // A command that always daemonizes is not up until its daemon is found.
  if (s.spec.daemon == spec::DaemonMode::kYes && s.state != State::kAdopted) return false;
  return Serving(s.state) && (s.ready || !s.spec.DefinesReadiness());
}

// Its command was spawned, or a running daemon adopted: health starts afresh.
void Supervisor::CameUp(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  s.ready = false;
  s.status_text.clear();
  if (s.spec.ready_after) s.ready_at = now + *s.spec.ready_after;
  if (s.spec.watchdog) s.watchdog_at = now + *s.spec.watchdog;
  for (ProbeKind p : {ProbeKind::kLiveness, ProbeKind::kReadiness}) {
    if (const spec::ProbeSpec* spec = ProbeOf(i, p)) ProbeState(i, p).Arm(*spec, now);
  }
}

// Its processes are gone: a probe in flight is stopped, none is scheduled.
void Supervisor::WentDown(size_t i) {
  ServiceRuntime& s = services_[i];
  s.ready = false;
  for (ProbeKind p : {ProbeKind::kLiveness, ProbeKind::kReadiness}) {
    Probe& probe = ProbeState(i, p);
    if (probe.in_flight) out_.push_back(Action::Probe(i, p, probe.run, /*cancel=*/true));
    probe.Disarm();
  }
}

// Whether tend waits for service i to get ready: it defines readiness, or
// others wait for it.
bool Supervisor::AwaitsReady(size_t i) const {
  const ServiceRuntime& s = services_[i];
  if (!s.begun || s.ever_ready || s.start_failed || s.state == State::kDown) return false;
  if (s.spec.DefinesReadiness()) return true;
  return std::any_of(services_.begin(), services_.end(), [&](const ServiceRuntime& d) {
    return !d.Retired() && d.spec.DependsOn(s.spec);
  });
}

void Supervisor::NoteReadiness() {
  for (size_t i = 0; i < services_.size(); ++i) {
    if (!services_[i].ever_ready && Ready(i)) services_[i].ever_ready = true;
  }
}

// At shutdown probes stop: their verdicts no longer matter.
void Supervisor::StopProbes() {
  for (size_t i = 0; i < services_.size(); ++i) {
    if (ProbesRun(services_[i].state)) WentDown(i);
  }
}

void Supervisor::HealthTick(base::TimePoint now) {
  if (phase_ != Phase::kRunning) return;
  for (size_t i = 0; i < services_.size(); ++i) {
    ServiceRuntime& s = services_[i];
    if (AwaitsReady(i) && s.start_deadline <= now) StartTimedOut(i, now);
    if (!ProbesRun(s.state)) continue;
    if (s.spec.ready_after && !s.ready && s.ready_at <= now && Serving(s.state)) {
      MarkReady(i, "up for " + base::FormatDuration(*s.spec.ready_after), now);
    }
    if (s.spec.watchdog && Serving(s.state) && s.watchdog_at <= now) {
      HealthKill(i, "watchdog",
                 "watchdog: no WATCHDOG=1 for " + base::FormatDuration(*s.spec.watchdog), now);
    }
    for (ProbeKind p : {ProbeKind::kLiveness, ProbeKind::kReadiness}) TickProbe(i, p, now);
  }
}

void Supervisor::TickProbe(size_t i, ProbeKind p, base::TimePoint now) {
  const spec::ProbeSpec* spec = ProbeOf(i, p);
  Probe& probe = ProbeState(i, p);
  if (!spec) return;
  if (probe.TimedOut(now)) {
    out_.push_back(Action::Probe(i, p, probe.run, /*cancel=*/true));
    On(events::Probed{i, p, probe.run, false,
                      "no answer within " + base::FormatDuration(spec->timeout)},
       now);
  }
  if (probe.Due(now)) {
    out_.push_back(Action::Probe(i, p, probe.Begin(*spec, now)));
  }
}

void Supervisor::On(const events::Probed& e, base::TimePoint now) {
  const spec::ProbeSpec* spec = ProbeOf(e.service, e.probe);
  if (!spec || phase_ != Phase::kRunning) return;
  std::optional<ProbeStatus> change =
      ProbeState(e.service, e.probe).Record(*spec, e.run, e.ok, e.detail, now);
  if (change) ProbeChanged(e.service, e.probe, *change, now);
}

// Logged on changes only: a probe failing every 10 s is one line, not many.
void Supervisor::ProbeChanged(size_t i, ProbeKind p, ProbeStatus status, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  const spec::ProbeSpec& spec = *ProbeOf(i, p);
  const Probe& probe = ProbeState(i, p);
  std::string what = std::string(ProbeName(p)) + " probe (" + spec.Describe() + ")";
  if (status == ProbeStatus::kPassing) {
    if (p == ProbeKind::kReadiness) {
      MarkReady(i, "readiness probe passed", now);
    } else {
      Log(LogLevel::kInfo, s.spec.name + ": " + what + " passing");
      Emit(i, {.kind = EventKind::kHealthy, .probe = "liveness"});
    }
    return;
  }
  std::string why = what + " failed " + std::to_string(probe.failures) + " time" +
                    (probe.failures == 1 ? "" : "s") + " in a row (" + probe.detail + ")";
  if (p == ProbeKind::kLiveness) {
    if (Serving(s.state)) HealthKill(i, "liveness", why, now);
    return;
  }
  if (s.ready) {
    s.ready = false;
    Log(LogLevel::kWarn, s.spec.name + ": " + why + "; not ready");
    Emit(i, {.kind = EventKind::kUnhealthy, .probe = "readiness", .why = why});
  } else {
    Log(LogLevel::kWarn, s.spec.name + ": " + why + "; not ready yet");
  }
}

void Supervisor::On(const events::Notified& e, base::TimePoint now) {
  ServiceRuntime& s = services_[e.service];
  // A late message of a process already gone, or one in shutdown.
  if (!ProbesRun(s.state) || phase_ != Phase::kRunning) return;
  const Notice& n = e.notice;
  if (n.status && *n.status != s.status_text) {
    s.status_text = *n.status;
    Log(LogLevel::kDebug, s.spec.name + ": status: " + s.status_text);
  }
  if (n.watchdog && s.spec.watchdog) s.watchdog_at = now + *s.spec.watchdog;
  if (n.ready) {
    MarkReady(e.service,
              n.via_fd ? "notified on fd " + std::to_string(s.spec.notify_fd.value_or(0))
                       : std::string("READY=1"),
              now);
  }
  if (n.stopping && s.ready) {
    s.ready = false;
    Log(LogLevel::kInfo, s.spec.name + ": stopping (STOPPING=1); not ready");
  }
  if (n.watchdog_trigger && Serving(s.state)) {
    HealthKill(e.service, "watchdog", "watchdog triggered by the service (WATCHDOG=trigger)", now);
  }
}

void Supervisor::MarkReady(size_t i, const std::string& why, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  if (s.ready || !ProbesRun(s.state)) return;
  s.ready = true;
  s.ever_ready = true;
  Emit(i, {.kind = EventKind::kReady, .why = why});
  Log(LogLevel::kInfo, s.spec.name + ": ready (" + why + ") " +
                           base::FormatDuration(now - s.started_at) + " after its start");
}

// Stops a service for its health: a stop with a reason, so it escalates to
// SIGKILL like any stop, and its end counts as a failure (EndStop).
void Supervisor::HealthKill(size_t i, const char* probe, const std::string& why,
                            base::TimePoint now) {
  Emit(i, {.kind = EventKind::kUnhealthy, .probe = probe, .why = why});
  Log(LogLevel::kWarn, services_[i].spec.name + ": " + why + "; stopping it to restart");
  Apply(i, Input::kUnhealthy, now, Ending{why});
}

// Its dependents waiting for it will not start: they fail, loudly (and a
// critical one takes tend down with it).
void Supervisor::StartTimedOut(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  s.start_failed = true;
  std::string limit = base::FormatDuration(s.spec.start_timeout);
  if (s.replaces) return Abandon(i, "was not ready " + limit + " after its start (start_timeout)");
  std::vector<size_t> waiting;
  for (size_t j = 0; j < services_.size(); ++j) {
    const ServiceRuntime& d = services_[j];
    if (d.state != State::kIdle || d.begun || d.Retired()) continue;
    if (d.spec.DependsOn(s.spec)) waiting.push_back(j);
  }
  if (waiting.empty()) {
    Log(LogLevel::kWarn, s.spec.name + ": not ready " + limit + " after its start (start_timeout)");
    return;
  }
  Log(LogLevel::kError, s.spec.name + ": not ready " + limit +
                            " after its start (start_timeout); its dependents fail to start");
  for (size_t j : waiting) {
    Apply(j, Input::kFail, now,
          Ending{"not started: its dependency " + s.spec.name + " did not get ready within " +
                 limit});
  }
}

void Supervisor::HealthDeadlines(const ServiceRuntime& s,
                                 std::optional<base::TimePoint>& next) const {
  auto consider = [&next](base::TimePoint t) {
    if (!next || t < *next) next = t;
  };
  auto i = static_cast<size_t>(&s - services_.data());
  if (phase_ != Phase::kRunning) return;
  if (AwaitsReady(i)) consider(s.start_deadline);
  if (!ProbesRun(s.state)) return;
  if (s.spec.ready_after && !s.ready && Serving(s.state)) consider(s.ready_at);
  if (s.spec.watchdog && Serving(s.state)) consider(s.watchdog_at);
  for (const Probe* p : {&s.liveness, &s.readiness}) {
    if (auto t = p->NextDeadline()) consider(*t);
  }
}

}  // namespace core
