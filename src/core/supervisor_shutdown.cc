// The Supervisor's signals and shutdown: SIGTERM, SIGINT and SIGQUIT start
// the phases (stopping, orphans, killing, done), a few others are forwarded;
// services stop in the reverse order of their dependencies, and tend exits
// with the status decided.
#include <csignal>

#include "core/supervisor.h"

namespace core {

// Orphans of killed processes keep arriving; kill them as they come.
void Supervisor::On(const events::OrphansReaped&, base::TimePoint) {
  if (phase_ == Phase::kKilling) out_.push_back(Action::SignalAll(SIGKILL));
}

void Supervisor::On(const events::NoChildren&, base::TimePoint) { children_ = false; }

// In shutdown: stops every service none of whose dependents still runs, so
// services stop in the reverse order of their dependencies.
void Supervisor::StopReady(base::TimePoint now) {
  for (size_t i = 0; i < services_.size(); ++i) {
    State st = services_[i].state;
    if (st == State::kDown || st == State::kStopping || services_[i].Waits() ||
        HasActiveDependents(i)) {
      continue;
    }
    Apply(i, Input::kStop, now);
  }
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
        if (ReceivesSignals(services_[i].state)) out_.push_back(Action::SignalService(i, sig));
      }
      Log(LogLevel::kDebug, "forwarded " + SignalName(sig) + " to the services");
      return;
    default: Log(LogLevel::kDebug, "ignored " + SignalName(sig));
  }
}

// In shutdown: the grace is over (SIGKILL to everything), or the wait for
// the last reaps after it (exit anyway).
void Supervisor::OnShutdownDeadline(base::TimePoint now) {
  if (phase_ == Phase::kRunning || now < deadline_) return;
  if (phase_ == Phase::kStopping || phase_ == Phase::kTasks || phase_ == Phase::kOrphans) {
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
void Supervisor::AdvanceShutdown(base::TimePoint now) {
  if (phase_ == Phase::kStopping) StopReady(now);
  if ((phase_ == Phase::kStopping || phase_ == Phase::kTasks) && AllServicesDown() &&
      RunShutdownTask(now)) {
    return;
  }
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

bool Supervisor::AllDown() const {
  for (const ServiceRuntime& s : services_) {
    if (s.state != State::kDown && !s.Waits()) return false;
  }
  return true;
}

// Every service is down (shutdown tasks aside): the tasks' turn.
bool Supervisor::AllServicesDown() const {
  for (const ServiceRuntime& s : services_) {
    if (s.state != State::kDown && !s.spec.at_shutdown) return false;
  }
  return true;
}

// Runs the shutdown tasks one at a time, in the order given, within what
// is left of the grace. True while one runs (or was just started).
bool Supervisor::RunShutdownTask(base::TimePoint now) {
  for (size_t i = 0; i < services_.size(); ++i) {
    ServiceRuntime& s = services_[i];
    if (!s.spec.at_shutdown || s.Retired()) continue;
    if (s.state == State::kRunning) return true;
    if (!s.Waits()) continue;
    if (phase_ != Phase::kTasks) Log(LogLevel::kInfo, "services are down; running shutdown tasks");
    phase_ = Phase::kTasks;
    s.begun = true;
    Apply(i, Input::kStart, now);
    return true;
  }
  if (phase_ == Phase::kTasks) phase_ = Phase::kStopping;  // on to the leftovers, then exit
  return false;
}

void Supervisor::Finish(int code) {
  phase_ = Phase::kDone;
  Log(LogLevel::kInfo, "exiting with status " + std::to_string(code));
  out_.push_back(Action::Exit(code));
}

// A stop command that cannot run must not leave the service up: the stop
// signal does its job instead (with SIGCONT, and SIGKILL at the timeout).
void Supervisor::On(const events::StopCommandFailed& e, base::TimePoint) {
  const ServiceRuntime& s = services_[e.service];
  if (s.state != State::kStopping) return;  // ended meanwhile
  Log(LogLevel::kError, s.spec.name + ": stop command: " + e.why + "; sending " +
                            SignalName(s.spec.stop_signal) + " instead");
  SendStop(e.service, s.spec.stop_signal);
}

}  // namespace core
