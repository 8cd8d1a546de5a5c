// The Supervisor's service lifecycle: Apply, the only code that changes a
// service's state (through the ServiceFsm table), and the effects it carries
// out: spawn, stop and SIGKILL, and the decisions (restart policy, oneshots,
// schedules, crash loops) that return the state to enter.
#include <algorithm>
#include <csignal>

#include "core/supervisor.h"

namespace core {
namespace {

std::string Uptime(base::TimePoint from, base::TimePoint to) {
  return base::FormatDuration(to - from);
}

std::string Processes(const Ending& why) {
  return std::to_string(why.left) + (why.left == 1 ? " process" : " processes");
}

}  // namespace

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
    case Effect::kEndStop: return EndStop(i, why, now);
    case Effect::kFatal: return Fatal(i, why.what);
    case Effect::kSpawn: Spawn(i, now); break;
    case Effect::kScan: out_.push_back(Action::Scan(i)); break;
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
  if (next == State::kDown && s.state != State::kDown && !s.fatal) EmitStopped(i);
  s.state = next;
  if (was_up && !ProbesRun(next)) WentDown(i);
}

// Down, for any reason but fatal (which says why itself). An old instance
// going after its replacement took over is no news of the service.
void Supervisor::EmitStopped(size_t i) {
  const ServiceRuntime& s = services_[i];
  bool replaced =
      s.Retired() && std::any_of(services_.begin(), services_.end(), [&](const auto& o) {
        return o.Canonical() && o.spec.name == s.spec.name;
      });
  if (replaced || s.replaces) return;
  std::string why = s.replacement               ? "changed by a reload; restarting"
                    : s.Held()                  ? "stop requested"
                    : s.Retired()               ? "removed by a reload"
                    : phase_ != Phase::kRunning ? "shutdown"
                    : s.completed               ? "done"
                                                : "not restarted (restart = " +
                                        std::string(spec::RestartPolicyName(s.spec.restart)) + ")";
  Emit(i, {.kind = EventKind::kStopped, .why = why});
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
// ends: tend stopped it for its health, or stops what its ended main
// process left, and nothing wants it down.
bool Supervisor::RestartsAfterStop(const ServiceRuntime& s) const {
  return (!s.stop_why.empty() || s.ended) && s.want == Want::kUp && !s.replacement &&
         phase_ == Phase::kRunning;
}

// It ended after a stop: down, unless tend stopped it for its health; then
// its end is a failure, whatever its status, and the restart policy decides
// (a oneshot's own rules for a oneshot).
Supervisor::Verdict Supervisor::EndStop(size_t i, const Ending& why, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  if (why.left > 0) {
    // Its main process ended, but what it left still runs: a stop takes
    // all of it. What lineage handed over was not in the signalled group.
    if (!s.ended) {
      Log(LogLevel::kInfo, s.spec.name + ": " + why.what + "; stopping the " + Processes(why) +
                               " it left (pid " + why.left_pids + ")");
      SendStop(i, s.spec.stop_signal);
    }
    return {State::kStopping};
  }
  bool restart = RestartsAfterStop(s);
  std::optional<Ending> ended = std::move(s.ended);
  s.ended.reset();
  std::string health = std::move(s.stop_why);
  s.stop_why.clear();
  if (ended) {
    if (!restart) return {State::kDown};
    ended->left = 0;
    ended->note += "; stopped what it left";
    return Restart(i, *ended, now);
  }
  if (!restart) return {State::kDown};
  s.last_success = false;  // stopped for its health: a failure, whatever its status
  if (s.spec.type == spec::ServiceType::kOneshot) return DecideOneshot(i, now);
  return Restart(i, Ending{health + "; " + why.what, why.note, true}, now);
}

// A service's command just ended. A clean exit may mean a daemon was left
// behind (an init script's `start`): look for it before deciding.
Supervisor::Verdict Supervisor::Decide(size_t i, const Ending& why, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  if (s.spec.type == spec::ServiceType::kOneshot) {
    // What a oneshot leaves runs on unwatched, as it always did: a oneshot
    // has no later run for it to be in the way of.
    if (why.left > 0) out_.push_back(Action::Release(i, 0));
    return DecideOneshot(i, now);
  }
  // A retired one is not wanted: no daemon of it is looked for.
  if (s.last_exit->Clean() && s.spec.daemon != spec::DaemonMode::kNo && !s.Retired()) {
    s.settle_start = now;
    s.settle_step = 0;
    s.scan_at.reset();  // set by the answer to this look
    out_.push_back(Action::Scan(i));
    return {State::kSettling};
  }
  return Restart(i, why, now);
}

// A oneshot's run ended: done (exit 0 or a success_exit_status); failed,
// which aborts start-up (it prepares what the others need); or, scheduled,
// waiting for its next time.
Supervisor::Verdict Supervisor::DecideOneshot(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  const ExitStatus status = *s.last_exit;
  const bool done = s.last_success;
  std::string line =
      s.spec.name + ": " + status.Describe(done) + " after " + Uptime(s.started_at, now);
  if (s.spec.at_shutdown) {  // tend exits anyway; a failure makes its status one
    if (!done && !first_failure_) first_failure_ = status.AsExitCode();
    Log(done ? LogLevel::kInfo : LogLevel::kWarn,
        line + (done ? " (shutdown task done)" : " (shutdown task failed)"));
    return {State::kDown};
  }
  s.completed = s.completed || done;
  if (s.spec.schedule) {
    Log(done ? LogLevel::kInfo : LogLevel::kError, line + (done ? " (done)" : " (failed)"));
    return Schedule(i, now);
  }
  last_status_ = Reported(s);
  if (done) {
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
  if (why.left > 0 && s.spec.kill_mode == spec::KillMode::kGroup) {
    return StopLeftovers(i, why, now);
  }
  if (why.left > 0) out_.push_back(Action::Release(i, 0));  // kill_mode "main": they run on
  if (s.Retired()) return {State::kDown};  // a new instance that ended unready (Abandon said so)
  bool restart = s.spec.restart == spec::RestartPolicy::kAlways ||
                 (s.spec.restart == spec::RestartPolicy::kOnFailure && why.failed);
  std::string line =
      s.spec.name + ": " + why.what + " after " + Uptime(s.started_at, now) + why.note;
  if (!restart) {
    last_status_ = Reported(s);
    Log(LogLevel::kInfo,
        line + "; not restarting (restart=" + spec::RestartPolicyName(s.spec.restart) + ")");
    return EndedForGood(i);
  }
  if (std::optional<std::string> loop = CrashLoop(i, now)) {
    Log(LogLevel::kWarn, line);
    return Fatal(i, *loop);
  }
  base::Duration delay = s.backoff.NextDelay(now - s.started_at);
  Emit(i, {.kind = EventKind::kRestarting, .delay = delay});
  if (delay == base::Duration::zero()) {
    Log(LogLevel::kInfo, line + "; restarting now");
    return {State::kBackoff, Verdict::Then::kSpawn};
  }
  s.restart_at = now + delay;
  Log(why.failed ? LogLevel::kWarn : LogLevel::kInfo,
      line + "; restarting in " + base::FormatDuration(delay));
  return {State::kBackoff};
}

// It ended, leaving processes that are its (kill_mode "group"): they get
// the stop signal, SIGKILL at the stop timeout, and once they are gone the
// restart policy applies to `why` (EndStop), so that a restart never meets
// the last run's leftovers holding its port, lock or files.
Supervisor::Verdict Supervisor::StopLeftovers(size_t i, const Ending& why, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  s.ended = why;
  s.kill_at = now + s.spec.stop_timeout.value_or(settings_.grace);
  Log(LogLevel::kInfo, s.spec.name + ": " + why.what + " after " + Uptime(s.started_at, now) +
                           why.note + "; stopping the " + Processes(why) + " it left (pid " +
                           why.left_pids + ") first");
  SendStop(i, s.spec.stop_signal);
  return {State::kStopping};
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

Supervisor::Verdict Supervisor::Fatal(size_t i, const std::string& why) {
  ServiceRuntime& s = services_[i];
  s.fatal = true;
  Log(LogLevel::kError, s.spec.name + ": " + why);
  Emit(i, {.kind = EventKind::kFatal, .why = why});
  return EndedForGood(i);
}

// A service will not run again on its own. If it was critical, nothing
// should run without it: tend shuts down with its status.
Supervisor::Verdict Supervisor::EndedForGood(size_t i) {
  ServiceRuntime& s = services_[i];
  if (!s.spec.critical || s.want != Want::kUp || s.replacement || phase_ != Phase::kRunning) {
    return {State::kDown};
  }
  forced_code_ = s.last_exit ? Reported(s).AsExitCode() : 1;
  if (*forced_code_ == 0 && s.fatal) forced_code_ = 1;
  return {State::kDown, Verdict::Then::kShutDown, "critical service " + s.spec.name + " ended"};
}

// Its last end as tend's own exit status reports it: a success is 0.
ExitStatus Supervisor::Reported(const ServiceRuntime& s) const {
  if (s.last_success) return ExitStatus::Code(0);
  return s.last_exit.value_or(ExitStatus::Code(0));
}

// A scheduled oneshot waits for its next time (UTC), in backoff.
Supervisor::Verdict Supervisor::Schedule(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  int64_t wall = wall_ms_ / 1000;
  std::optional<int64_t> next = spec::NextRun(*s.spec.schedule, wall);
  if (!next) {
    Log(LogLevel::kWarn,
        s.spec.name + ": schedule \"" + s.spec.schedule->text + "\" has no next run; left down");
    return {State::kDown};
  }
  s.restart_at = now + std::chrono::milliseconds(*next * 1000 - wall_ms_);
  Log(LogLevel::kInfo, s.spec.name + ": next run at " + base::FormatUtc(*next * 1000));
  return {State::kBackoff};
}

// The stop signal, then SIGCONT, as runit, s6 and systemd do: a stopped
// (SIGSTOP, ^Z) process would otherwise hold its signal pending until the
// grace is over and SIGKILL ends it.
void Supervisor::SendStop(size_t i, int sig) {
  out_.push_back(Action::SignalService(i, sig));
  if (sig != SIGKILL && sig != SIGCONT) out_.push_back(Action::SignalService(i, SIGCONT));
}

}  // namespace core
