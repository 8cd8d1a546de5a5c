// The Supervisor's daemons: the answers to its looks in the process table
// (adopt what runs, settle after a clean exit, give up) and the end of an
// adopted daemon.
#include <csignal>

#include "core/supervisor.h"

namespace core {

void Supervisor::On(const events::Scanned& e, base::TimePoint now) {
  ServiceRuntime& s = services_[e.service];
  const std::string& rule = s.spec.match.Describe();
  // The look after a stop during its start command (On Exited). A reload
  // may have installed a new spec in the slot meanwhile: idle, not begun.
  if (s.state == State::kDown || (s.state == State::kIdle && !s.begun)) {
    if (e.found > 0) {
      Log(LogLevel::kInfo,
          s.spec.name + ": stopping the daemon its start command left (pid " + e.pids + ")");
      out_.push_back(Action::Release(e.service, s.spec.stop_signal));
    }
    return;
  }
  if (e.exact && s.state == State::kSettling) return Adopt(e, now);
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
    if (s.state != State::kAdopted) Emit(e.service, {.kind = EventKind::kAdopted, .pids = e.pids});
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

// Lineage's answer: exactly what the command left (it exited 0). That is
// its daemon, whatever its name; nothing left means it was not a daemon
// start, at once: no later look could find a process of its tree.
void Supervisor::Adopt(const events::Scanned& e, base::TimePoint now) {
  ServiceRuntime& s = services_[e.service];
  s.polled = e.polled;
  s.scan_at = s.polled ? std::optional(now + settings_.scan_interval) : std::nullopt;
  if (e.found > 0) {
    children_ = true;
    Log(LogLevel::kInfo, s.spec.name + ": its command left " + e.what + "; watching it");
    Emit(e.service, {.kind = EventKind::kAdopted, .pids = e.pids});
    Apply(e.service, Input::kAdopt, now);
    return;
  }
  Ending why{s.last_exit->Describe(), "", false};
  if (s.spec.daemon == spec::DaemonMode::kYes) {
    why.what = "command exited 0 but left no process (daemon = true expects one)";
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
  bool success = e.status && e.status->SucceedsUnder(s.spec.success);
  std::string how = e.status ? e.status->Describe(success) : "ended";
  if (s.state == State::kAdopted) {  // not what a stop or an ended command left
    Emit(e.service,
         {.kind = EventKind::kExited, .pid = e.pid, .status = e.status, .ran = now - s.started_at});
  }
  Ending why{"daemon (pid " + std::to_string(e.pid) + ") " + how, "", !success};
  bool restarts = s.state != State::kStopping || RestartsAfterStop(s);
  if (e.remaining > 0 && s.state == State::kStopping &&
      s.spec.kill_mode == spec::KillMode::kGroup) {
    // Stopping all of it: the rest got the stop signal with their group and
    // have until the stop timeout, like any process the service owns.
    why.left = e.remaining;
    why.left_pids = e.pids;
  } else if (e.remaining > 0 && restarts) {
    // Its main processes are gone; the workers they left would keep the
    // port and half-serve, and have nothing to save once their master is
    // gone (apache's even ignore SIGTERM then). SIGKILL, so that the
    // restart starts clean at once.
    why.note = "; killed " + std::to_string(e.remaining) + " process" +
               (e.remaining == 1 ? "" : "es") + " it left";
    out_.push_back(Action::Release(e.service, SIGKILL));
  }
  // What a dead main process left ending is no news of the service's own
  // end: its status stays the one the restart policy will judge.
  if (e.status && !s.ended) {
    s.last_exit = *e.status;
    s.last_success = success;
  }
  if (!restarts) {
    bool ok = !e.status || success || e.status->EndedBy(s.spec.stop_signal);
    if (!ok && !first_failure_) first_failure_ = e.status->AsExitCode();
    if (e.status) last_status_ = success ? ExitStatus::Code(0) : *e.status;
    Log(ok ? LogLevel::kInfo : LogLevel::kWarn,
        s.spec.name + ": daemon (pid " + std::to_string(e.pid) + ") " + how + " (stopped)");
  }
  Apply(e.service, Input::kGone, now, why);
}

}  // namespace core
