// Probe: the Kubernetes counting rules for one health probe of one service,
// as pure state (time passed in). A probe runs every `period`, the first
// time `initial_delay` after the service came up; a run that does not
// answer within `timeout` counts as a failure. `failure_threshold` failures
// in a row make it failing, `success_threshold` successes in a row make it
// passing again. Only those changes are reported, so they are logged once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.h"
#include "config/service_spec.h"

namespace core {

enum class ProbeStatus { kUnknown, kPassing, kFailing };

const char* ProbeStatusName(ProbeStatus status);

struct Probe {
  bool active = false;  // the service is up: the probe is scheduled
  bool in_flight = false;
  uint64_t run = 0;                 // id of the current (or last) run
  base::TimePoint next_at{};        // when idle: the next run
  base::TimePoint deadline{};       // when in flight: the timeout
  base::TimePoint began{};          // when in flight: when it was started
  int successes = 0, failures = 0;  // in a row
  ProbeStatus status = ProbeStatus::kUnknown;
  std::string detail;  // why the last run failed

  // The service came up (or was adopted): start counting afresh.
  void Arm(const spec::ProbeSpec& spec, base::TimePoint now);
  // The service went down: nothing runs until Arm.
  void Disarm();
  bool Due(base::TimePoint now) const { return active && !in_flight && next_at <= now; }
  bool TimedOut(base::TimePoint now) const { return active && in_flight && deadline <= now; }
  // Marks a run as started and returns its id.
  uint64_t Begin(const spec::ProbeSpec& spec, base::TimePoint now);
  // A run's result; a changed status is returned, else nullopt. Results of
  // runs other than the current one (stale, or after Disarm) are ignored.
  std::optional<ProbeStatus> Record(const spec::ProbeSpec& spec, uint64_t id, bool ok,
                                    std::string why, base::TimePoint now);
  std::optional<base::TimePoint> NextDeadline() const;
};

}  // namespace core
