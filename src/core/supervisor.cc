// The Supervisor's loop: events in, their handlers, and the loop top
// (Advance): wants reconciled, ready services started. Requests (Control)
// and reloads only record wants. The lifecycle, daemons, health and
// shutdown have their own files.
#include "core/supervisor.h"

#include <algorithm>
#include <csignal>
#include <utility>
#include <variant>

namespace core {
namespace {

// When the timer row of service s is due in its state: its restart, its
// next look for its daemon, or SIGKILL after its stop.
std::optional<base::TimePoint> DueAt(const ServiceRuntime& s) {
  switch (s.state) {
    case State::kBackoff: return s.restart_at;
    case State::kSettling:
    case State::kAdopted: return s.scan_at;
    case State::kStopping: return s.kill_at;
    default: return std::nullopt;
  }
}

}  // namespace

Supervisor::Supervisor(std::vector<spec::ServiceSpec> specs, Settings settings)
    : settings_(std::move(settings)) {
  for (spec::ServiceSpec& s : specs) {
    services_.emplace_back();
    Install(services_.size() - 1, std::move(s), Want::kUp);
  }
}

// Gives slot i a fresh service: a new spec, its own backoff, no history.
void Supervisor::Install(size_t i, spec::ServiceSpec spec, Want want) {
  ServiceRuntime& s = services_[i];
  s = ServiceRuntime();
  s.want = want;
  s.backoff =
      Backoff(BackoffPolicy{spec.backoff_initial, spec.backoff_max, settings_.backoff.reset_after});
  s.spec = std::move(spec);
}

std::vector<Action> Supervisor::Handle(const Event& event, base::TimePoint now, int64_t wall_ms) {
  out_.clear();
  wall_ms_ = wall_ms;
  if (phase_ == Phase::kDone) return {};
  std::visit([&](const auto& e) { On(e, now); }, event.kind);
  Advance(now);
  return std::move(out_);
}

void Supervisor::On(const events::StartAll&, base::TimePoint now) { StartReady(now); }

std::optional<base::TimePoint> Supervisor::NextDeadline() const {
  std::optional<base::TimePoint> next;
  auto consider = [&next](base::TimePoint t) {
    if (!next || t < *next) next = t;
  };
  if (phase_ != Phase::kRunning && phase_ != Phase::kDone) {
    consider(deadline_);
  }
  for (const ServiceRuntime& s : services_) {
    if (std::optional<base::TimePoint> due = DueAt(s)) consider(*due);
    HealthDeadlines(s, next);
  }
  return next;
}

bool Supervisor::DepsSatisfied(const ServiceRuntime& s) const {
  // A dependency on an instance group waits for every instance.
  for (const ServiceRuntime& d : services_) {
    if (!d.Canonical() || !s.spec.DependsOn(d.spec)) continue;
    if (!Ready(static_cast<size_t>(&d - services_.data()))) return false;
  }
  return true;
}

bool Supervisor::HasActiveDependents(size_t i) const {
  for (const ServiceRuntime& d : services_) {
    if (d.Retired() || d.state == State::kDown) continue;
    if (d.spec.DependsOn(services_[i].spec)) return true;
  }
  return false;
}

// Starts a service for the first time: a scheduled oneshot waits for its
// time; a possible daemon is looked for first (CFEngine's "only if it is
// not in the process table"); anything else is spawned.
void Supervisor::Begin(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  s.begun = true;
  s.start_deadline = now + s.spec.start_timeout;
  if (s.spec.type == spec::ServiceType::kOneshot && s.spec.schedule) {
    Apply(i, Input::kWait, now);
  } else if (s.spec.type == spec::ServiceType::kOneshot || s.spec.daemon == spec::DaemonMode::kNo) {
    Apply(i, Input::kStart, now);
  } else {
    out_.push_back(Action::Scan(i));
  }
}

// Starts, in order, every idle service whose dependencies are ready.
void Supervisor::StartReady(base::TimePoint now) {
  if (phase_ != Phase::kRunning) return;
  for (size_t i = 0; i < services_.size(); ++i) {
    ServiceRuntime& s = services_[i];
    // Awaiting the look for its daemon: later services wait, so services
    // start in the order given.
    if (s.state == State::kIdle && s.begun && !s.Retired()) return;
    if (s.state != State::kIdle || s.begun || s.want != Want::kUp || s.Waits()) continue;
    if (!DepsSatisfied(s)) continue;
    Begin(i, now);
    if (s.state == State::kIdle && s.begun) return;
  }
}

void Supervisor::On(const events::Spawned& e, base::TimePoint) {
  ServiceRuntime& s = services_[e.service];
  s.pid = e.pid;
  children_ = true;
  Log(LogLevel::kInfo, s.spec.name + ": started (pid " + std::to_string(e.pid) + ")");
  Emit(e.service, {.kind = EventKind::kStarted, .pid = e.pid});
}

void Supervisor::On(const events::Exited& e, base::TimePoint now) {
  ServiceRuntime& s = services_[e.service];
  Emit(e.service,
       {.kind = EventKind::kExited, .pid = s.pid, .status = e.status, .ran = now - s.started_at});
  s.pid = 0;
  s.last_exit = e.status;
  // A command that could not run is no success, whatever its status says.
  s.last_success = e.detail.empty() && e.status.SucceedsUnder(s.spec.success);
  if (!e.detail.empty()) {
    Log(LogLevel::kError, s.spec.name + ": " + e.detail);
  }
  if (s.state == State::kStopping && s.Held() && phase_ == Phase::kRunning &&
      s.spec.daemon != spec::DaemonMode::kNo && !e.exact && e.left == 0) {
    // Stopped while its start command ran (`/etc/init.d/apache2 start`):
    // the daemon it may have started already has left the command's group.
    // Look for it, and stop it too (supervisor_daemons.cc, once down).
    out_.push_back(Action::Scan(e.service));
  }
  if (s.state == State::kStopping && !RestartsAfterStop(s)) {
    last_status_ = Reported(s);
    // A restart whose exec failed as the stop came is no failure to stop.
    bool ok = s.last_success || e.status.EndedBy(s.spec.stop_signal) || !e.detail.empty();
    if (!ok && !first_failure_) first_failure_ = e.status.AsExitCode();
    Log(ok ? LogLevel::kInfo : LogLevel::kWarn,
        s.spec.name + ": " + e.status.Describe() + " after " +
            base::FormatDuration(now - s.started_at) + " (stopped)");
  }
  if (s.replaces) Abandon(e.service, "ended before it was ready (" + e.status.Describe() + ")");
  Apply(e.service, Input::kExited, now,
        Ending{e.status.Describe(s.last_success), "", !s.last_success, e.left, e.left_pids});
}

void Supervisor::On(const events::Timer&, base::TimePoint now) {
  HealthTick(now);
  for (size_t i = 0; i < services_.size(); ++i) {
    std::optional<base::TimePoint> due = DueAt(services_[i]);
    if (due && *due <= now) Apply(i, Input::kTimer, now);
  }
  OnShutdownDeadline(now);
}

// After every event or request: wants are acted on and services whose
// dependencies are ready start (the loop top); then shutdown moves along.
void Supervisor::Advance(base::TimePoint now) {
  NoteReadiness();
  if (phase_ == Phase::kRunning) {
    for (size_t i = 0; i < services_.size(); ++i) Reconcile(i, now);
    StartReady(now);
    if (!AllDown() || AnyHeld()) return;  // a service stopped by request may be started again
    // Every service ended for good on its own: leave nothing behind, then
    // exit with the last one's status, as tini does for its one child.
    phase_ = Phase::kStopping;
    deadline_ = now + settings_.grace;
    Log(LogLevel::kInfo, "no service left to run");
  }
  AdvanceShutdown(now);
}

std::vector<Action> Supervisor::Reload(std::vector<spec::ServiceSpec> specs, base::TimePoint now,
                                       int64_t wall_ms) {
  out_.clear();
  wall_ms_ = wall_ms;
  if (phase_ != Phase::kRunning) {
    Log(LogLevel::kWarn, "reload ignored: shutting down");
    return std::move(out_);
  }
  int added = 0, removed = 0, changed = 0, same = 0;
  LifecycleEvent reload{.kind = EventKind::kReload};
  std::vector<bool> kept(services_.size(), false);
  for (spec::ServiceSpec& spec : specs) {
    auto it = std::find_if(services_.begin(), services_.end(), [&](const ServiceRuntime& s) {
      return s.Canonical() && s.spec.name == spec.name;
    });
    if (it == services_.end()) {
      ++added;
      size_t slot = FreeSlot();
      if (slot == services_.size()) {
        services_.emplace_back();
        kept.push_back(false);
      }
      kept[slot] = true;
      reload.added.push_back(spec.name);
      Install(slot, std::move(spec), Want::kUp);  // a new service, whatever the slot held
      continue;
    }
    size_t i = static_cast<size_t>(it - services_.begin());
    kept[i] = true;
    // What it will run: a new instance still starting (start-first) counts.
    const spec::ServiceSpec& next =
        it->successor ? services_[*it->successor].spec : it->replacement.value_or(it->spec);
    if (next == spec) {
      ++same;
      continue;
    }
    ++changed;
    reload.changed.push_back(spec.name);
    if (it->successor) Abandon(*it->successor, "is outdated: the configuration changed again");
    // Reconcile replaces it (start-first), or stops it and installs this once down.
    if (services_[i].spec == spec) {
      services_[i].replacement.reset();  // back to what runs: nothing to do
    } else {
      services_[i].replacement = std::move(spec);
    }
  }
  for (size_t i = 0; i < kept.size(); ++i) {
    if (kept[i] || !services_[i].Canonical()) continue;
    ++removed;
    reload.removed.push_back(services_[i].spec.name);
    Retire(i);  // Reconcile stops it, and frees it once down
  }
  Log(LogLevel::kInfo, "reloaded: " + std::to_string(added) + " added, " + std::to_string(removed) +
                           " removed, " + std::to_string(changed) + " changed, " +
                           std::to_string(same) + " unchanged");
  Emit(0, std::move(reload));
  Advance(now);
  return std::move(out_);
}

std::vector<Action> Supervisor::Control(ControlOp op, size_t i, int sig, base::TimePoint now) {
  out_.clear();
  if (phase_ != Phase::kRunning) {
    Log(LogLevel::kWarn, "request ignored: shutting down");
    return std::move(out_);
  }
  ServiceRuntime* s = op == ControlOp::kShutdown ? nullptr : &services_[i];
  switch (op) {
    case ControlOp::kStop:
      s->want = Want::kDown;  // stays down until started, across reloads too
      Log(LogLevel::kInfo, s->spec.name + ": stop requested");
      if (s->successor) Abandon(*s->successor, "is not needed: stop requested");
      break;
    case ControlOp::kStart:
    case ControlOp::kRestart:
      if (s->successor) {  // a start-first restart is under way: that is the restart
        Log(LogLevel::kInfo, s->spec.name + ": its new instance is already starting");
        break;
      }
      s->fatal = false;
      Log(LogLevel::kInfo,
          s->spec.name + ": " + (op == ControlOp::kStart ? "start" : "restart") + " requested");
      if (s->state == State::kDown) s->recent_starts.clear();
      s->want = StartsAgain(op, *s) ? Want::kRestart : Want::kUp;
      break;
    case ControlOp::kSignal:
      if (ReceivesSignals(s->state)) {
        out_.push_back(Action::SignalService(i, sig));
        Log(LogLevel::kInfo, s->spec.name + ": sent " + SignalName(sig) + " on request");
      }
      break;
    case ControlOp::kShutdown:
      requested_ = true;
      BeginShutdown("shutdown requested", now);
      break;
  }
  Advance(now);
  return std::move(out_);
}

// Whether a start or restart request starts service s (again), once it is
// down: not while it has yet to start, nor, for a start, while it runs or
// tend stops it for its health (its restart policy restarts it).
bool Supervisor::StartsAgain(ControlOp op, const ServiceRuntime& s) const {
  switch (s.state) {
    case State::kIdle: return false;
    case State::kBackoff:
    case State::kDown: return true;
    case State::kStopping: return op == ControlOp::kRestart || !RestartsAfterStop(s);
    default: return op == ControlOp::kRestart;
  }
}

// Brings service i towards what is wanted of it: the one place that acts
// on wants and replacements (runit's loop top). What follows a stop waits
// until the service is down.
void Supervisor::Reconcile(size_t i, base::TimePoint now) {
  if (services_[i].replaces && Ready(i)) TakeOver(i, now);
  if (StartsFirst(i)) {
    // One instance stopping at a time: the next replacement waits for the
    // last one's old instance to be gone (two, not a pile, of a slow stopper).
    if (!PredecessorStopping(i)) StartSuccessor(i, now);
    return;
  }
  ServiceRuntime& s = services_[i];
  bool runs =
      s.state == State::kRunning || s.state == State::kSettling || s.state == State::kAdopted;
  bool leave = s.want == Want::kDown || s.want == Want::kRetired || s.replacement ||
               (s.want == Want::kRestart && runs);
  if (leave && s.state != State::kDown && s.state != State::kStopping) {
    Apply(i, Input::kStop, now);
  }
  if (s.state == State::kStopping) return;
  if (s.Retired()) {
    if (s.state == State::kDown && !s.freed) {
      s.freed = true;  // a removed service's pipes and fds go once it is down
      out_.push_back(Action::Free(i));
    }
    return;
  }
  if (s.replacement && s.state == State::kDown) {
    spec::ServiceSpec next = std::move(*s.replacement);
    Install(i, std::move(next), s.Held() ? Want::kDown : Want::kUp);  // afresh
    Reconcile(i, now);                                                // held: down at once
    return;
  }
  if (s.want != Want::kRestart) return;
  s.want = Want::kUp;
  if (s.state == State::kDown || s.state == State::kBackoff) Apply(i, Input::kStart, now);
}

// A slot a removed service left (so that reloads do not grow the table),
// or services_.size() for a new one.
size_t Supervisor::FreeSlot() const {
  for (size_t i = 0; i < services_.size(); ++i) {
    if (services_[i].Retired() && services_[i].freed) return i;
  }
  return services_.size();
}

bool Supervisor::AnyHeld() const {
  return std::any_of(services_.begin(), services_.end(),
                     [](const ServiceRuntime& s) { return s.Held(); });
}

void Supervisor::Log(LogLevel level, std::string text) {
  out_.push_back(Action::Log(level, std::move(text)));
}

void Supervisor::Emit(size_t i, LifecycleEvent e) {
  e.service = i;
  if (e.kind != EventKind::kReload) e.name = services_[i].spec.name;
  out_.push_back(Action::Event(std::move(e)));
}

}  // namespace core
