// LifecycleEvent: what happened to a service, as the Supervisor decided it,
// for `tendctl events`, /events and hooks. Emitted as an action beside the
// log line that says the same in words; the event loop numbers each one,
// adds the time and, to an exit, the service's last lines of output, and
// hands it to every subscriber (app/event_feed.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "core/exit_status.h"

namespace core {

enum class EventKind {
  kStarted,     // its command was spawned: pid
  kReady,       // its readiness signal came: why
  kAdopted,     // running daemon processes are watched as it: pids
  kUnhealthy,   // a probe or the watchdog failed: probe, why
  kHealthy,     // its liveness probe passes again: probe
  kExited,      // its main process or last daemon ended: pid, status, ran
  kRestarting,  // its restart policy restarts it: delay
  kFatal,       // left down: the crash-loop limit, or a dependency never ready: why
  kStopped,     // it is down (stopped, done, not restarted by its policy): why
  kReload,      // the configuration was read again: added, removed, changed
};

struct LifecycleEvent {
  EventKind kind = EventKind::kStarted;
  size_t service = 0;  // its slot; unused for kReload
  std::string name{};  // the service's; empty for kReload
  int pid = 0;
  std::string pids{};
  std::optional<ExitStatus> status{};
  base::Duration ran{};
  std::optional<base::Duration> delay{};
  std::string probe{};  // "liveness", "readiness", "watchdog"
  std::string why{};
  std::vector<std::string> added{}, removed{}, changed{};
};

const char* EventKindName(EventKind kind);

}  // namespace core
