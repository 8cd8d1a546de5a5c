// The Supervisor's start-first restarts. A service that holds `listen`
// sockets and defines readiness is restarted (on request, or by a reload
// that changes it) by starting a new instance in a slot of its own while
// the old one serves; once the new one is ready it takes the service's
// name and the old one is retired (stopped, its slot freed). A new
// instance that does not get ready within start_timeout, or ends first, is
// retired instead, and the old one serves on. Both accept on the same held
// sockets, so no client is refused or cut in between.
#include <algorithm>

#include "core/supervisor.h"

namespace core {
namespace {

std::string PidNote(const ServiceRuntime& s) {
  return s.pid > 0 ? " (pid " + std::to_string(s.pid) + ")" : "";
}

}  // namespace

// Whether Reconcile replaces service i start-first: a restart or a new spec
// is wanted, it serves (runs and is ready, so it can go on serving while
// its successor starts), and both its spec and the one to run start first.
bool Supervisor::StartsFirst(size_t i) const {
  const ServiceRuntime& s = services_[i];
  bool wanted = s.want == Want::kRestart || (s.replacement && s.want == Want::kUp);
  const spec::ServiceSpec& next = s.replacement ? *s.replacement : s.spec;
  return wanted && phase_ == Phase::kRunning && s.Canonical() && !s.successor &&
         s.state == State::kRunning && Ready(i) && s.spec.StartsFirst() && next.StartsFirst();
}

// Whether an old instance of service i, retired when it was replaced, is
// still stopping.
bool Supervisor::PredecessorStopping(size_t i) const {
  return std::any_of(services_.begin(), services_.end(), [&](const ServiceRuntime& s) {
    return s.Retired() && !s.freed && s.state != State::kDown &&
           s.spec.name == services_[i].spec.name;
  });
}

// Spawns service i's new instance in a free slot. It is spawned at once:
// a look for a daemon of it first would find the old instance.
void Supervisor::StartSuccessor(size_t i, base::TimePoint now) {
  spec::ServiceSpec next =
      services_[i].replacement ? std::move(*services_[i].replacement) : services_[i].spec;
  services_[i].replacement.reset();
  services_[i].want = Want::kUp;
  size_t j = FreeSlot();
  if (j == services_.size()) services_.emplace_back();
  Install(j, std::move(next), Want::kUp);
  ServiceRuntime& old = services_[i];  // taken after emplace_back
  ServiceRuntime& s = services_[j];
  s.replaces = i;
  s.starts = old.starts;  // its restart count and crash-loop window go on
  s.recent_starts = old.recent_starts;
  s.begun = true;
  s.start_deadline = now + s.spec.start_timeout;
  old.successor = j;
  Log(LogLevel::kInfo, old.spec.name + ": starting its new instance first; the old one" +
                           PidNote(old) + " serves until it is ready");
  Apply(j, Input::kStart, now);
}

// New instance j is ready: it becomes the service, the old one is retired.
void Supervisor::TakeOver(size_t j, base::TimePoint now) {
  ServiceRuntime& s = services_[j];
  size_t i = *s.replaces;
  s.replaces.reset();
  services_[i].successor.reset();
  Log(LogLevel::kInfo, s.spec.name + ": the new instance" + PidNote(s) +
                           " is ready; stopping the old one" + PidNote(services_[i]));
  Retire(i);
  Reconcile(i, now);
}

// New instance j will not replace its service: it is retired (stopped,
// then freed) and the service goes on as it is.
void Supervisor::Abandon(size_t j, const std::string& why) {
  ServiceRuntime& s = services_[j];
  if (!s.replaces) return;
  ServiceRuntime& old = services_[*s.replaces];
  old.successor.reset();
  s.replaces.reset();
  s.want = Want::kRetired;
  std::string serves = Ready(static_cast<size_t>(&old - services_.data()))
                           ? "; the old one" + PidNote(old) + " serves on"
                           : "";
  Log(LogLevel::kWarn,
      s.spec.name + ": its new instance" + PidNote(s) + " " + why + "; stopping it" + serves);
}

// Service i is removed (a reload, or replaced): Reconcile stops it and
// frees its slot once down. A new instance of it still starting goes too.
void Supervisor::Retire(size_t i) {
  ServiceRuntime& s = services_[i];
  if (s.successor) Abandon(*s.successor, "is not needed: the service was removed");
  s.want = Want::kRetired;
  s.replacement.reset();
}

}  // namespace core
