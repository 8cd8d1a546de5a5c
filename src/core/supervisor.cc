#include "core/supervisor.h"

#include <algorithm>
#include <csignal>
#include <variant>

namespace core {
namespace {

std::string Uptime(base::TimePoint from, base::TimePoint to) {
  return base::FormatDuration(to - from);
}

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
    : settings_(settings) {
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

// Orphans of killed processes keep arriving; kill them as they come.
void Supervisor::On(const events::OrphansReaped&, base::TimePoint) {
  if (phase_ == Phase::kKilling) out_.push_back(Action::SignalAll(SIGKILL));
}

void Supervisor::On(const events::NoChildren&, base::TimePoint) { children_ = false; }

std::optional<base::TimePoint> Supervisor::NextDeadline() const {
  std::optional<base::TimePoint> next;
  auto consider = [&next](base::TimePoint t) {
    if (!next || t < *next) next = t;
  };
  if (phase_ == Phase::kStopping || phase_ == Phase::kOrphans || phase_ == Phase::kKilling) {
    consider(deadline_);
  }
  for (const ServiceRuntime& s : services_) {
    if (std::optional<base::TimePoint> due = DueAt(s)) consider(*due);
    HealthDeadlines(s, next);
  }
  return next;
}

// The one place a service's state changes: the (state, input) row names the
// effect; the effect returns the state to enter, one the row allows.
void Supervisor::Apply(size_t i, Input input, base::TimePoint now, const Ending& why) {
  ServiceRuntime& s = services_[i];
  Transition t = Lookup(s.state, input);
  if (t.effect == Effect::kInvalid) {
    Log(LogLevel::kError, s.spec.name + ": internal error: " + InputName(input) + " while " +
                              StateName(s.state) + " (ignored)");
    return;
  }
  Verdict v = Carry(i, t, why, now);
  if (!t.to.Has(v.next)) {
    Log(LogLevel::kError, s.spec.name + ": internal error: " + EffectName(t.effect) + " chose " +
                              StateName(v.next) + " after " + InputName(input) + " while " +
                              StateName(s.state));
  }
  Enter(i, v.next);
  switch (v.then) {
    case Verdict::Then::kNothing: break;
    case Verdict::Then::kSpawn: Apply(i, Input::kTimer, now); break;  // a backoff of zero
    case Verdict::Then::kShutDown: BeginShutdown(v.why, now); break;
  }
}

// Carries out the row's effect. Effects that decide return their pick;
// the others lead to the row's one state.
Supervisor::Verdict Supervisor::Carry(size_t i, const Transition& t, const Ending& why,
                                      base::TimePoint now) {
  switch (t.effect) {
    case Effect::kDecide: return Decide(i, why, now);
    case Effect::kRestart: return Restart(i, why, now);
    case Effect::kSchedule: return Schedule(i, now);
    case Effect::kFatal: return Fatal(i, why.what);
    case Effect::kSpawn: Spawn(i, now); break;
    case Effect::kScan: out_.push_back(Action::Scan(i)); break;
    case Effect::kEndStop: return EndStop(i, why, now);
    case Effect::kSendStop: Stop(i, why, now); break;
    case Effect::kKill: Kill(i); break;
    case Effect::kNone:
    case Effect::kInvalid: break;
  }
  return {t.to.Members().front()};
}

// The only write of a service's state. Leaving the states in which its
// processes run ends its probes.
void Supervisor::Enter(size_t i, State next) {
  ServiceRuntime& s = services_[i];
  bool was_up = ProbesRun(s.state);
  s.state = next;
  if (was_up && !ProbesRun(next)) WentDown(i);
}

void Supervisor::Spawn(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  ++s.starts;
  s.started_at = now;
  s.pid = 0;
  s.recent_starts.push_back(now);
  out_.push_back(Action::Spawn(i));
  CameUp(i, now);
}

// The stop command, or the stop signal; SIGKILL follows at kill_at. A stop
// for the service's health (`why`) sends the signal even where a stop
// command is set: a hung service may not answer its command.
void Supervisor::Stop(size_t i, const Ending& why, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  s.kill_at = now + s.spec.stop_timeout.value_or(settings_.grace);
  s.stop_why = why.what;
  if (s.spec.stop_command && s.stop_why.empty()) {
    out_.push_back(Action::RunStop(i));
  } else {
    SendStop(i, s.spec.stop_signal);
  }
}

void Supervisor::Kill(size_t i) {
  ServiceRuntime& s = services_[i];
  s.kill_at.reset();
  Log(LogLevel::kWarn, s.spec.name + ": still running " +
                           base::FormatDuration(s.spec.stop_timeout.value_or(settings_.grace)) +
                           " after the stop request; sending SIGKILL");
  out_.push_back(Action::SignalService(i, SIGKILL));
}

// Whether a stopping service starts again by its restart policy once it
// ends: tend stopped it for its health and nothing wants it down.
bool Supervisor::RestartsAfterStop(const ServiceRuntime& s) const {
  return !s.stop_why.empty() && s.want == Want::kUp && !s.replacement && phase_ == Phase::kRunning;
}

// It ended after a stop: down, unless tend stopped it for its health; then
// its end is a failure, whatever its status, and the restart policy decides
// (a oneshot's own rules for a oneshot).
Supervisor::Verdict Supervisor::EndStop(size_t i, const Ending& why, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  bool restart = RestartsAfterStop(s);
  std::string health = std::move(s.stop_why);
  s.stop_why.clear();
  if (!restart) return {State::kDown};
  if (s.spec.type == spec::ServiceType::kOneshot) return DecideOneshot(i, now);
  return Restart(i, Ending{health + "; " + why.what, why.note, true}, now);
}

// A service's command just ended. A clean exit may mean a daemon was left
// behind (an init script's `start`): look for it before deciding.
Supervisor::Verdict Supervisor::Decide(size_t i, const Ending& why, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  if (s.spec.type == spec::ServiceType::kOneshot) return DecideOneshot(i, now);
  if (s.last_exit->Clean() && s.spec.daemon != spec::DaemonMode::kNo) {
    s.settle_start = now;
    s.settle_step = 0;
    s.scan_at.reset();  // set by the answer to this look
    out_.push_back(Action::Scan(i));
    return {State::kSettling};
  }
  return Restart(i, why, now);
}

// A oneshot's run ended: done; failed, which aborts start-up (it prepares
// what the others need); or, scheduled, waiting for its next time.
Supervisor::Verdict Supervisor::DecideOneshot(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  const ExitStatus status = *s.last_exit;
  std::string line = s.spec.name + ": " + status.Describe() + " after " + Uptime(s.started_at, now);
  s.completed = s.completed || status.Clean();
  if (s.spec.schedule) {
    Log(status.Clean() ? LogLevel::kInfo : LogLevel::kError,
        line + (status.Clean() ? " (done)" : " (failed)"));
    return Schedule(i, now);
  }
  last_status_ = status;
  if (status.Clean()) {
    Log(LogLevel::kInfo, line + " (done)");
    return {State::kDown};
  }
  Log(LogLevel::kError, line + "; oneshot failed: aborting start-up");
  forced_code_ = status.AsExitCode();
  return {State::kDown, Verdict::Then::kShutDown, s.spec.name + " failed"};
}

// The restart policy, applied to a service that ended (its command, or its
// daemon). What ended it and the decision are logged together, one line.
Supervisor::Verdict Supervisor::Restart(size_t i, const Ending& why, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  bool restart = s.spec.restart == spec::RestartPolicy::kAlways ||
                 (s.spec.restart == spec::RestartPolicy::kOnFailure && why.failed);
  std::string line =
      s.spec.name + ": " + why.what + " after " + Uptime(s.started_at, now) + why.note;
  if (!restart) {
    last_status_ = s.last_exit.value_or(ExitStatus::Code(0));
    Log(LogLevel::kInfo,
        line + "; not restarting (restart=" + spec::RestartPolicyName(s.spec.restart) + ")");
    return EndedForGood(i);
  }
  if (std::optional<std::string> loop = CrashLoop(i, now)) {
    Log(LogLevel::kWarn, line);
    return Fatal(i, *loop);
  }
  base::Duration delay = s.backoff.NextDelay(now - s.started_at);
  if (delay == base::Duration::zero()) {
    Log(LogLevel::kInfo, line + "; restarting now");
    return {State::kBackoff, Verdict::Then::kSpawn};
  }
  s.restart_at = now + delay;
  Log(why.failed ? LogLevel::kWarn : LogLevel::kInfo,
      line + "; restarting in " + base::FormatDuration(delay));
  return {State::kBackoff};
}

// Why service i must not start again: it started start_limit times within
// start_limit_window. Starts older than the window are forgotten.
std::optional<std::string> Supervisor::CrashLoop(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  if (s.spec.start_limit <= 0) return std::nullopt;
  auto& starts = s.recent_starts;
  starts.erase(
      std::remove_if(starts.begin(), starts.end(),
                     [&](base::TimePoint t) { return t < now - s.spec.start_limit_window; }),
      starts.end());
  if (static_cast<int>(starts.size()) < s.spec.start_limit) return std::nullopt;
  return "started " + std::to_string(starts.size()) + " times within " +
         base::FormatDuration(s.spec.start_limit_window) +
         "; marked fatal and left down (fix it, or raise start_limit)";
}

void Supervisor::On(const events::Scanned& e, base::TimePoint now) {
  ServiceRuntime& s = services_[e.service];
  const std::string& rule = s.spec.match.Describe();
  // The look after a stop during its start command (OnExited). A reload
  // may have installed a new spec in the slot meanwhile: idle, not begun.
  if (s.state == State::kDown || (s.state == State::kIdle && !s.begun)) {
    if (e.found > 0) {
      Log(LogLevel::kInfo,
          s.spec.name + ": stopping the daemon its start command left (pid " + e.pids + ")");
      out_.push_back(Action::Release(e.service, s.spec.stop_signal));
    }
    return;
  }
  if (e.found > 0) {
    children_ = true;  // adopted daemons are reparented to tend, or soon will be
    s.polled = e.polled;
    if (s.polled) {
      s.scan_at = now + settings_.scan_interval;
    } else if (s.state != State::kIdle) {
      // Until the settle window ends, look again at its remaining moments:
      // a daemon's other processes may not have exec'd yet at the first look.
      s.scan_at = NextSettleMoment(s, now);
    } else {
      s.scan_at.reset();  // pidfds say when the adopted processes end
    }
    if (s.state == State::kIdle) {
      s.started_at = now;
      CameUp(e.service, now);
      Log(LogLevel::kInfo,
          s.spec.name + ": already running (pid " + e.pids + "); adopted, not started again");
    } else if (s.state == State::kSettling) {
      Log(LogLevel::kInfo, s.spec.name + ": command exited 0 and left a daemon " + rule + " (pid " +
                               e.pids + "); watching it");
    }
    Apply(e.service, Input::kAdopt, now);
    return;
  }
  switch (s.state) {
    case State::kIdle: Apply(e.service, Input::kStart, now); return;
    case State::kAdopted:     // looked again without pidfds: it is gone
      if (!s.polled) return;  // pidfds will say when the watched ones end
      Apply(e.service, Input::kMissing, now, Ending{"daemon " + rule + " gone", "", true});
      return;
    case State::kSettling: break;
    default: return;
  }
  bool expect_daemon = e.leftovers || s.spec.daemon == spec::DaemonMode::kYes;
  const auto& moments = settings_.settle_moments;
  std::optional<base::TimePoint> next = NextSettleMoment(s, now);
  if (expect_daemon && next) {
    s.scan_at = next;
    return;  // look again at the next moment of the settle window
  }
  Ending why{s.last_exit->Describe(), "", false};  // a plain clean exit: no daemon left
  if (expect_daemon) {
    why.what = "command exited 0 but no process " + rule + " appeared within " +
               base::FormatDuration(moments.empty() ? base::Duration{} : moments.back()) +
               " (if the daemon runs under another name, set its match rule; see docs/tend.md)";
    why.failed = true;
  }
  Apply(e.service, Input::kMissing, now, why);
}

std::optional<base::TimePoint> Supervisor::NextSettleMoment(ServiceRuntime& s,
                                                            base::TimePoint now) const {
  const auto& moments = settings_.settle_moments;
  while (s.settle_step < moments.size() && s.settle_start + moments[s.settle_step] <= now) {
    ++s.settle_step;
  }
  if (s.settle_step == moments.size()) return std::nullopt;
  return s.settle_start + moments[s.settle_step];
}

void Supervisor::On(const events::DaemonGone& e, base::TimePoint now) {
  ServiceRuntime& s = services_[e.service];
  std::string how = e.status ? e.status->Describe() : "ended";
  Ending why{"daemon (pid " + std::to_string(e.pid) + ") " + how, "",
             !e.status || !e.status->Clean()};
  bool restarts = s.state != State::kStopping || RestartsAfterStop(s);
  if (e.remaining > 0 && restarts) {
    // Its main process is gone; workers it left would keep the port and
    // half-serve. Kill them so the restart starts clean (systemd does the
    // same when a forking service's main pid dies). When stopping, they are
    // leftovers like any other and get SIGTERM first.
    why.note = "; killed " + std::to_string(e.remaining) + " process" +
               (e.remaining == 1 ? "" : "es") + " it left";
    out_.push_back(Action::Release(e.service, SIGKILL));
  }
  if (e.status) s.last_exit = *e.status;
  if (!restarts) {
    bool ok = !e.status || e.status->Clean() || e.status->EndedBy(s.spec.stop_signal);
    if (!ok && !first_failure_) first_failure_ = e.status->AsExitCode();
    if (e.status) last_status_ = *e.status;
    Log(ok ? LogLevel::kInfo : LogLevel::kWarn,
        s.spec.name + ": daemon (pid " + std::to_string(e.pid) + ") " + how + " (stopped)");
  }
  Apply(e.service, Input::kGone, now, why);
}

Supervisor::Verdict Supervisor::Fatal(size_t i, const std::string& why) {
  ServiceRuntime& s = services_[i];
  s.fatal = true;
  Log(LogLevel::kError, s.spec.name + ": " + why);
  return EndedForGood(i);
}

// A service will not run again on its own. If it was critical, nothing
// should run without it: tend shuts down with its status.
Supervisor::Verdict Supervisor::EndedForGood(size_t i) {
  ServiceRuntime& s = services_[i];
  if (!s.spec.critical || s.want != Want::kUp || s.replacement || phase_ != Phase::kRunning) {
    return {State::kDown};
  }
  forced_code_ = s.last_exit ? s.last_exit->AsExitCode() : 1;
  if (*forced_code_ == 0 && s.fatal) forced_code_ = 1;
  return {State::kDown, Verdict::Then::kShutDown, "critical service " + s.spec.name + " ended"};
}

// A scheduled oneshot waits for its next time (UTC), in backoff.
Supervisor::Verdict Supervisor::Schedule(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  std::time_t wall = static_cast<std::time_t>(wall_ms_ / 1000);
  std::optional<std::time_t> next = spec::NextRun(*s.spec.schedule, wall);
  if (!next) {
    Log(LogLevel::kWarn,
        s.spec.name + ": schedule \"" + s.spec.schedule->text + "\" has no next run; left down");
    return {State::kDown};
  }
  s.restart_at = now + std::chrono::milliseconds(*next * 1000 - wall_ms_);
  Log(LogLevel::kInfo, s.spec.name + ": next run at " + base::FormatUtc(*next * 1000));
  return {State::kBackoff};
}

bool Supervisor::DepsSatisfied(const ServiceRuntime& s) const {
  for (const std::string& dep : s.spec.depends_on) {
    for (const ServiceRuntime& d : services_) {
      if (d.Retired() || d.spec.name != dep) continue;
      if (!Ready(static_cast<size_t>(&d - services_.data()))) return false;
    }
  }
  return true;
}

bool Supervisor::HasActiveDependents(size_t i) const {
  const std::string& name = services_[i].spec.name;
  for (const ServiceRuntime& d : services_) {
    if (d.Retired() || d.state == State::kDown) continue;
    if (std::find(d.spec.depends_on.begin(), d.spec.depends_on.end(), name) !=
        d.spec.depends_on.end()) {
      return true;
    }
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
    if (s.state != State::kIdle || s.begun || s.want != Want::kUp) continue;
    if (!DepsSatisfied(s)) continue;
    Begin(i, now);
    if (s.state == State::kIdle && s.begun) return;
  }
}

// In shutdown: stops every service none of whose dependents still runs, so
// services stop in the reverse order of their dependencies.
void Supervisor::StopReady(base::TimePoint now) {
  for (size_t i = 0; i < services_.size(); ++i) {
    State st = services_[i].state;
    if (st == State::kDown || st == State::kStopping || HasActiveDependents(i)) continue;
    Apply(i, Input::kStop, now);
  }
}

void Supervisor::On(const events::Spawned& e, base::TimePoint) {
  ServiceRuntime& s = services_[e.service];
  s.pid = e.pid;
  children_ = true;
  Log(LogLevel::kInfo, s.spec.name + ": started (pid " + std::to_string(e.pid) + ")");
}

void Supervisor::On(const events::Exited& e, base::TimePoint now) {
  ServiceRuntime& s = services_[e.service];
  s.pid = 0;
  s.last_exit = e.status;
  if (!e.detail.empty()) {
    Log(LogLevel::kError, s.spec.name + ": " + e.detail);
  }
  if (s.state == State::kStopping && s.Held() && phase_ == Phase::kRunning &&
      s.spec.daemon != spec::DaemonMode::kNo) {
    // Stopped while its start command ran (`/etc/init.d/apache2 start`):
    // the daemon it may have started already has left the command's group.
    // Look for it, and stop it too (OnScanned, once down).
    out_.push_back(Action::Scan(e.service));
  }
  if (s.state == State::kStopping && !RestartsAfterStop(s)) {
    last_status_ = e.status;
    // A restart whose exec failed as the stop came is no failure to stop.
    bool ok = e.status.Clean() || e.status.EndedBy(s.spec.stop_signal) || !e.detail.empty();
    if (!ok && !first_failure_) first_failure_ = e.status.AsExitCode();
    Log(ok ? LogLevel::kInfo : LogLevel::kWarn, s.spec.name + ": " + e.status.Describe() +
                                                    " after " + Uptime(s.started_at, now) +
                                                    " (stopped)");
  }
  Apply(e.service, Input::kExited, now, Ending{e.status.Describe(), "", !e.status.Clean()});
}

void Supervisor::On(const events::Signal& e, base::TimePoint now) {
  const int sig = e.signal;
  switch (sig) {
    case SIGTERM:
    case SIGINT:
    case SIGQUIT:
      if (phase_ == Phase::kRunning) {
        requested_ = true;
        BeginShutdown("received " + SignalName(sig), now);
      } else if (sig != SIGQUIT && phase_ != Phase::kKilling) {
        KillEverything("received " + SignalName(sig) + " again", now);
      }
      return;
    case SIGHUP:
      if (settings_.reload_on_hup) {
        Log(LogLevel::kInfo, "received SIGHUP; reloading the configuration");
        out_.push_back(Action::Reload());
        return;
      }
      [[fallthrough]];
    case SIGUSR1:
    case SIGUSR2:
    case SIGWINCH:
      for (size_t i = 0; i < services_.size(); ++i) {
        State st = services_[i].state;
        if (st == State::kRunning || st == State::kStopping) {
          out_.push_back(Action::SignalService(i, sig));
        }
      }
      Log(LogLevel::kDebug, "forwarded " + SignalName(sig) + " to the services");
      return;
    default: Log(LogLevel::kDebug, "ignored " + SignalName(sig));
  }
}

void Supervisor::On(const events::Timer&, base::TimePoint now) {
  HealthTick(now);
  for (size_t i = 0; i < services_.size(); ++i) {
    std::optional<base::TimePoint> due = DueAt(services_[i]);
    if (due && *due <= now) Apply(i, Input::kTimer, now);
  }
  if (phase_ == Phase::kRunning || now < deadline_) return;
  if (phase_ == Phase::kStopping || phase_ == Phase::kOrphans) {
    KillEverything("grace of " + base::FormatDuration(settings_.grace) + " is over", now);
  } else if (phase_ == Phase::kKilling) {
    Log(LogLevel::kError, "processes survived SIGKILL for " +
                              base::FormatDuration(settings_.kill_wait) + "; exiting anyway");
    Finish(forced_code_.value_or(
        first_failure_.value_or(last_status_ ? last_status_->AsExitCode() : 0)));
  }
}

void Supervisor::BeginShutdown(const std::string& why, base::TimePoint now) {
  phase_ = Phase::kStopping;
  StopProbes();
  deadline_ = now + settings_.grace;
  size_t running = 0;
  for (const ServiceRuntime& s : services_) {
    running += s.state == State::kRunning || s.state == State::kAdopted;
  }
  Log(LogLevel::kInfo, why + "; stopping " + std::to_string(running) + " service" +
                           (running == 1 ? "" : "s") + " (grace " +
                           base::FormatDuration(settings_.grace) + ")");
  StopReady(now);
}

void Supervisor::KillEverything(const std::string& why, base::TimePoint now) {
  phase_ = Phase::kKilling;
  deadline_ = now + settings_.kill_wait;
  Log(LogLevel::kWarn, why + "; sending SIGKILL to every remaining process");
  out_.push_back(Action::SignalAll(SIGKILL));
}

// Moves the shutdown sequence along once the state allows it.
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
  if (phase_ == Phase::kStopping) StopReady(now);
  if (phase_ == Phase::kDone || !AllDown()) return;
  if (children_ && phase_ == Phase::kStopping) {
    phase_ = Phase::kOrphans;
    Log(LogLevel::kInfo, "services are down; sending SIGTERM to leftover processes");
    out_.push_back(Action::SignalAll(SIGTERM));
    out_.push_back(Action::SignalAll(SIGCONT));  // a stopped process must see it
    return;
  }
  if (children_) return;
  int code = last_status_ ? last_status_->AsExitCode() : 0;
  if (requested_) code = first_failure_.value_or(0);
  Finish(forced_code_.value_or(code));
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
  std::vector<bool> kept(services_.size(), false);
  for (spec::ServiceSpec& spec : specs) {
    auto it = std::find_if(services_.begin(), services_.end(), [&](const ServiceRuntime& s) {
      return !s.Retired() && s.spec.name == spec.name;
    });
    if (it == services_.end()) {
      ++added;
      size_t slot = FreeSlot();
      if (slot == services_.size()) {
        services_.emplace_back();
        kept.push_back(false);
      }
      kept[slot] = true;
      Install(slot, std::move(spec), Want::kUp);  // a new service, whatever the slot held
      continue;
    }
    size_t i = static_cast<size_t>(it - services_.begin());
    kept[i] = true;
    if (it->spec == spec && !it->replacement) {
      ++same;
      continue;
    }
    ++changed;
    it->replacement = std::move(spec);  // Reconcile stops it, and installs this once down
  }
  for (size_t i = 0; i < kept.size(); ++i) {
    if (kept[i] || services_[i].Retired()) continue;
    ++removed;
    services_[i].want = Want::kRetired;  // Reconcile stops it, and frees it once down
    services_[i].replacement.reset();
  }
  Log(LogLevel::kInfo, "reloaded: " + std::to_string(added) + " added, " + std::to_string(removed) +
                           " removed, " + std::to_string(changed) + " changed, " +
                           std::to_string(same) + " unchanged");
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
      break;
    case ControlOp::kStart:
    case ControlOp::kRestart:
      s->fatal = false;
      Log(LogLevel::kInfo,
          s->spec.name + ": " + (op == ControlOp::kStart ? "start" : "restart") + " requested");
      if (s->state == State::kDown) s->recent_starts.clear();
      s->want = StartsAgain(op, *s) ? Want::kRestart : Want::kUp;
      break;
    case ControlOp::kSignal:
      if (s->state == State::kRunning || s->state == State::kAdopted ||
          s->state == State::kStopping || s->state == State::kSettling) {
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

bool Supervisor::AllDown() const {
  for (const ServiceRuntime& s : services_) {
    if (s.state != State::kDown) return false;
  }
  return true;
}

// The stop signal, then SIGCONT, as runit, s6 and systemd do: a stopped
// (SIGSTOP, ^Z) process would otherwise hold its signal pending until the
// grace is over and SIGKILL ends it.
void Supervisor::SendStop(size_t i, int sig) {
  out_.push_back(Action::SignalService(i, sig));
  if (sig != SIGKILL && sig != SIGCONT) out_.push_back(Action::SignalService(i, SIGCONT));
}

void Supervisor::Log(LogLevel level, std::string text) {
  out_.push_back(Action::Log(level, std::move(text)));
}

void Supervisor::Finish(int code) {
  phase_ = Phase::kDone;
  Log(LogLevel::kInfo, "exiting with status " + std::to_string(code));
  out_.push_back(Action::Exit(code));
}

}  // namespace core
