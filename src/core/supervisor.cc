#include "core/supervisor.h"

#include <csignal>

namespace core {
namespace {

std::string Uptime(base::TimePoint from, base::TimePoint to) {
  return base::FormatDuration(to - from);
}

}  // namespace

Supervisor::Supervisor(std::vector<spec::ServiceSpec> specs, Settings settings)
    : settings_(settings) {
  for (spec::ServiceSpec& s : specs) {
    ServiceRuntime rt;
    rt.spec = std::move(s);
    rt.backoff = Backoff(settings.backoff);
    services_.push_back(std::move(rt));
  }
}

std::vector<Action> Supervisor::Handle(const Event& event, base::TimePoint now) {
  out_.clear();
  if (phase_ == Phase::kDone) return {};
  switch (event.kind) {
    case Event::Kind::kStartAll:
      for (size_t i = 0; i < services_.size(); ++i) Apply(i, Input::kStart, now);
      break;
    case Event::Kind::kSpawned:
      OnSpawned(event, now);
      break;
    case Event::Kind::kExited:
      OnExited(event, now);
      break;
    case Event::Kind::kTimer:
      OnTimer(now);
      break;
    case Event::Kind::kSignal:
      OnSignal(event.signal, now);
      break;
    case Event::Kind::kOrphansReaped:
      // Orphans of killed processes keep arriving; kill them as they come.
      if (phase_ == Phase::kKilling) out_.push_back(Action::SignalAll(SIGKILL));
      break;
    case Event::Kind::kNoChildren:
      children_ = false;
      break;
  }
  Advance(now);
  return std::move(out_);
}

std::optional<base::TimePoint> Supervisor::NextDeadline() const {
  std::optional<base::TimePoint> next;
  auto consider = [&next](base::TimePoint t) {
    if (!next || t < *next) next = t;
  };
  if (phase_ == Phase::kStopping || phase_ == Phase::kOrphans || phase_ == Phase::kKilling) {
    consider(deadline_);
  }
  for (const ServiceRuntime& s : services_) {
    if (s.state == State::kBackoff) consider(s.restart_at);
  }
  return next;
}

void Supervisor::Apply(size_t i, Input input, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  Transition t = Lookup(s.state, input);
  if (t.effect == Effect::kInvalid) {
    Log(LogLevel::kError, s.spec.name + ": internal error: " + InputName(input) + " while " +
                              StateName(s.state) + " (ignored)");
    return;
  }
  s.state = t.next;
  switch (t.effect) {
    case Effect::kNone:
      break;
    case Effect::kSpawn:
      ++s.starts;
      s.started_at = now;
      s.pid = 0;
      out_.push_back(Action::Spawn(i));
      break;
    case Effect::kDecide:
      Decide(i, now);
      break;
    case Effect::kSendStop:
      out_.push_back(Action::SignalService(i, s.spec.stop_signal));
      break;
    case Effect::kInvalid:
      break;
  }
}

// The restart policy, applied to a service whose process just ended. The
// exit line and the decision are logged together, as one line.
void Supervisor::Decide(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  const ExitStatus status = *s.last_exit;
  bool restart = s.spec.restart == spec::RestartPolicy::kAlways ||
                 (s.spec.restart == spec::RestartPolicy::kOnFailure && !status.Clean());
  std::string line = s.spec.name + ": " + status.Describe() + " after " + Uptime(s.started_at, now);
  if (!restart) {
    s.state = State::kDown;
    last_status_ = status;
    Log(LogLevel::kInfo,
        line + "; not restarting (restart=" + spec::RestartPolicyName(s.spec.restart) + ")");
    return;
  }
  base::Duration delay = s.backoff.NextDelay(now - s.started_at);
  if (delay == base::Duration::zero()) {
    Log(LogLevel::kInfo, line + "; restarting now");
    s.state = State::kBackoff;
    Apply(i, Input::kTimer, now);
    return;
  }
  s.restart_at = now + delay;
  Log(status.Clean() ? LogLevel::kInfo : LogLevel::kWarn,
      line + "; restarting in " + base::FormatDuration(delay));
}

void Supervisor::OnSpawned(const Event& e, base::TimePoint now) {
  ServiceRuntime& s = services_[e.service];
  s.pid = e.pid;
  children_ = true;
  (void)now;
  Log(LogLevel::kInfo, s.spec.name + ": started (pid " + std::to_string(e.pid) + ")");
}

void Supervisor::OnExited(const Event& e, base::TimePoint now) {
  ServiceRuntime& s = services_[e.service];
  s.pid = 0;
  s.last_exit = e.status;
  if (!e.detail.empty()) {
    Log(LogLevel::kError, s.spec.name + ": " + e.detail);
  }
  if (s.state == State::kStopping) {
    last_status_ = e.status;
    bool ok = e.status.Clean() || e.status.EndedBy(s.spec.stop_signal);
    if (!ok && !first_failure_) first_failure_ = e.status.AsExitCode();
    Log(ok ? LogLevel::kInfo : LogLevel::kWarn, s.spec.name + ": " + e.status.Describe() +
                                                    " after " + Uptime(s.started_at, now) +
                                                    " (stopped)");
  }
  Apply(e.service, Input::kExited, now);
}

void Supervisor::OnSignal(int sig, base::TimePoint now) {
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
    default:
      Log(LogLevel::kDebug, "ignored " + SignalName(sig));
  }
}

void Supervisor::OnTimer(base::TimePoint now) {
  for (size_t i = 0; i < services_.size(); ++i) {
    if (services_[i].state == State::kBackoff && services_[i].restart_at <= now) {
      Apply(i, Input::kTimer, now);
    }
  }
  if (now < deadline_) return;
  if (phase_ == Phase::kStopping || phase_ == Phase::kOrphans) {
    KillEverything("grace of " + base::FormatDuration(settings_.grace) + " is over", now);
  } else if (phase_ == Phase::kKilling) {
    Log(LogLevel::kError, "processes survived SIGKILL for " +
                              base::FormatDuration(settings_.kill_wait) + "; exiting anyway");
    Finish(first_failure_.value_or(last_status_ ? last_status_->AsExitCode() : 0));
  }
}

void Supervisor::BeginShutdown(const std::string& why, base::TimePoint now) {
  phase_ = Phase::kStopping;
  deadline_ = now + settings_.grace;
  size_t running = 0;
  for (const ServiceRuntime& s : services_) running += s.state == State::kRunning;
  Log(LogLevel::kInfo, why + "; stopping " + std::to_string(running) + " service" +
                           (running == 1 ? "" : "s") + " (grace " +
                           base::FormatDuration(settings_.grace) + ")");
  for (size_t i = 0; i < services_.size(); ++i) Apply(i, Input::kStop, now);
}

void Supervisor::KillEverything(const std::string& why, base::TimePoint now) {
  phase_ = Phase::kKilling;
  deadline_ = now + settings_.kill_wait;
  Log(LogLevel::kWarn, why + "; sending SIGKILL to every remaining process");
  out_.push_back(Action::SignalAll(SIGKILL));
}

// Moves the shutdown sequence along once the state allows it.
void Supervisor::Advance(base::TimePoint now) {
  if (phase_ == Phase::kRunning) {
    if (!AllDown()) return;
    // Every service ended for good on its own: leave nothing behind, then
    // exit with the last one's status, as tini does for its one child.
    phase_ = Phase::kStopping;
    deadline_ = now + settings_.grace;
    Log(LogLevel::kInfo, "no service left to run");
  }
  if (phase_ == Phase::kDone || !AllDown()) return;
  if (children_ && phase_ == Phase::kStopping) {
    phase_ = Phase::kOrphans;
    Log(LogLevel::kInfo, "services are down; sending SIGTERM to leftover processes");
    out_.push_back(Action::SignalAll(SIGTERM));
    return;
  }
  if (children_) return;
  int code = last_status_ ? last_status_->AsExitCode() : 0;
  if (requested_) code = first_failure_.value_or(0);
  Finish(code);
}

bool Supervisor::AllDown() const {
  for (const ServiceRuntime& s : services_) {
    if (s.state != State::kDown) return false;
  }
  return true;
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
