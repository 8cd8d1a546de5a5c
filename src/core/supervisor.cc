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
      // A service whose daemon already runs is adopted, not started twice
      // (CFEngine's "only if it is not in the process table").
      for (size_t i = 0; i < services_.size(); ++i) {
        if (services_[i].spec.daemon == spec::DaemonMode::kNo) {
          Apply(i, Input::kStart, now);
        } else {
          out_.push_back(Action::Scan(i));
        }
      }
      break;
    case Event::Kind::kScanned: OnScanned(event, now); break;
    case Event::Kind::kDaemonGone: OnDaemonGone(event, now); break;
    case Event::Kind::kSpawned: OnSpawned(event, now); break;
    case Event::Kind::kExited: OnExited(event, now); break;
    case Event::Kind::kTimer: OnTimer(now); break;
    case Event::Kind::kSignal: OnSignal(event.signal, now); break;
    case Event::Kind::kOrphansReaped:
      // Orphans of killed processes keep arriving; kill them as they come.
      if (phase_ == Phase::kKilling) out_.push_back(Action::SignalAll(SIGKILL));
      break;
    case Event::Kind::kNoChildren: children_ = false; break;
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
    if (s.state == State::kSettling ||
        (s.state == State::kAdopted && (s.polled || s.settle_more))) {
      consider(s.scan_at);
    }
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
    case Effect::kNone: break;
    case Effect::kSpawn:
      ++s.starts;
      s.started_at = now;
      s.pid = 0;
      out_.push_back(Action::Spawn(i));
      break;
    case Effect::kDecide: Decide(i, now); break;
    case Effect::kRestart: Restart(i, now); break;
    case Effect::kScan: out_.push_back(Action::Scan(i)); break;
    case Effect::kSendStop: out_.push_back(Action::SignalService(i, s.spec.stop_signal)); break;
    case Effect::kInvalid: break;
  }
}

// A service's command just ended. A clean exit may mean a daemon was left
// behind (an init script's `start`): look for it before deciding.
void Supervisor::Decide(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  const ExitStatus status = *s.last_exit;
  if (status.Clean() && s.spec.daemon != spec::DaemonMode::kNo) {
    s.state = State::kSettling;
    s.settle_start = now;
    s.settle_step = 0;
    out_.push_back(Action::Scan(i));
    return;
  }
  end_what_ = status.Describe();
  end_failed_ = !status.Clean();
  Restart(i, now);
}

// The restart policy, applied to a service that ended (its command, or its
// daemon). What ended it and the decision are logged together, one line.
void Supervisor::Restart(size_t i, base::TimePoint now) {
  ServiceRuntime& s = services_[i];
  bool restart = s.spec.restart == spec::RestartPolicy::kAlways ||
                 (s.spec.restart == spec::RestartPolicy::kOnFailure && end_failed_);
  std::string line =
      s.spec.name + ": " + end_what_ + " after " + Uptime(s.started_at, now) + end_note_;
  end_note_.clear();
  if (!restart) {
    s.state = State::kDown;
    last_status_ = s.last_exit.value_or(ExitStatus::Code(0));
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
  s.state = State::kBackoff;
  s.restart_at = now + delay;
  Log(end_failed_ ? LogLevel::kWarn : LogLevel::kInfo,
      line + "; restarting in " + base::FormatDuration(delay));
}

void Supervisor::OnScanned(const Event& e, base::TimePoint now) {
  ServiceRuntime& s = services_[e.service];
  const std::string& rule = s.spec.match.Describe();
  if (e.found > 0) {
    children_ = true;  // adopted daemons are reparented to tend, or soon will be
    s.polled = e.polled;
    s.scan_at = now + settings_.scan_interval;
    if (!s.polled && s.state != State::kIdle) {
      // Until the settle window ends, look again at its remaining moments:
      // a daemon's other processes may not have exec'd yet at the first look.
      std::optional<base::TimePoint> next = NextSettleMoment(s, now);
      s.settle_more = next.has_value();
      if (next) s.scan_at = *next;
    }
    if (s.state == State::kIdle) {
      s.started_at = now;
      Log(LogLevel::kInfo,
          s.spec.name + ": already running (pid " + e.detail + "); adopted, not started again");
    } else if (s.state == State::kSettling) {
      Log(LogLevel::kInfo, s.spec.name + ": command exited 0 and left a daemon " + rule + " (pid " +
                               e.detail + "); watching it");
    }
    Apply(e.service, Input::kAdopt, now);
    return;
  }
  switch (s.state) {
    case State::kIdle: Apply(e.service, Input::kStart, now); return;
    case State::kAdopted:     // looked again without pidfds: it is gone
      if (!s.polled) return;  // pidfds will say when the watched ones end
      end_what_ = "daemon " + rule + " gone";
      end_failed_ = true;
      Apply(e.service, Input::kMissing, now);
      return;
    case State::kSettling: break;
    default: return;
  }
  bool expect_daemon = e.leftovers || s.spec.daemon == spec::DaemonMode::kYes;
  const auto& moments = settings_.settle_moments;
  std::optional<base::TimePoint> next = NextSettleMoment(s, now);
  if (expect_daemon && next) {
    s.scan_at = *next;
    return;  // look again at the next moment of the settle window
  }
  if (expect_daemon) {
    end_what_ = "command exited 0 but no process " + rule + " appeared within " +
                base::FormatDuration(moments.empty() ? base::Duration{} : moments.back()) +
                " (if the daemon runs under another name, set its match rule; see docs/tend.md)";
    end_failed_ = true;
  } else {
    end_what_ = s.last_exit->Describe();  // a plain clean exit: no daemon left
    end_failed_ = false;
  }
  Apply(e.service, Input::kMissing, now);
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

void Supervisor::OnDaemonGone(const Event& e, base::TimePoint now) {
  ServiceRuntime& s = services_[e.service];
  std::string how = e.known ? e.status.Describe() : "ended";
  end_note_.clear();
  if (e.remaining > 0 && s.state != State::kStopping) {
    // Its main process is gone; workers it left would keep the port and
    // half-serve. Kill them so the restart starts clean (systemd does the
    // same when a forking service's main pid dies). When stopping, they are
    // leftovers like any other and get SIGTERM first.
    end_note_ = "; killed " + std::to_string(e.remaining) + " process" +
                (e.remaining == 1 ? "" : "es") + " it left";
    out_.push_back(Action::Release(e.service, SIGKILL));
  }
  if (e.known) s.last_exit = e.status;
  if (s.state == State::kStopping) {
    bool ok = !e.known || e.status.Clean() || e.status.EndedBy(s.spec.stop_signal);
    if (!ok && !first_failure_) first_failure_ = e.status.AsExitCode();
    if (e.known) last_status_ = e.status;
    Log(ok ? LogLevel::kInfo : LogLevel::kWarn,
        s.spec.name + ": daemon (pid " + std::to_string(e.pid) + ") " + how + " (stopped)");
  } else {
    end_what_ = "daemon (pid " + std::to_string(e.pid) + ") " + how;
    end_failed_ = !e.known || !e.status.Clean();
  }
  Apply(e.service, Input::kGone, now);
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
    default: Log(LogLevel::kDebug, "ignored " + SignalName(sig));
  }
}

void Supervisor::OnTimer(base::TimePoint now) {
  for (size_t i = 0; i < services_.size(); ++i) {
    const ServiceRuntime& s = services_[i];
    bool due = (s.state == State::kBackoff && s.restart_at <= now) ||
               (s.state == State::kSettling && s.scan_at <= now) ||
               (s.state == State::kAdopted && (s.polled || s.settle_more) && s.scan_at <= now);
    if (due) Apply(i, Input::kTimer, now);
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
