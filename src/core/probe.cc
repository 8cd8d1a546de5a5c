#include "core/probe.h"

#include <algorithm>

namespace core {

const char* ProbeStatusName(ProbeStatus status) {
  switch (status) {
    case ProbeStatus::kUnknown: return "unknown";
    case ProbeStatus::kPassing: return "passing";
    case ProbeStatus::kFailing: return "failing";
  }
  return "?";
}

void Probe::Arm(const spec::ProbeSpec& spec, base::TimePoint now) {
  uint64_t last = run;
  *this = Probe();
  run = last;  // ids keep growing, so a late result of an old run is stale
  active = true;
  next_at = now + spec.initial_delay;
}

void Probe::Disarm() {
  active = false;
  in_flight = false;
  ++run;
}

uint64_t Probe::Begin(const spec::ProbeSpec& spec, base::TimePoint now) {
  in_flight = true;
  began = now;
  deadline = now + spec.timeout;
  return ++run;
}

std::optional<ProbeStatus> Probe::Record(const spec::ProbeSpec& spec, uint64_t id, bool ok,
                                         std::string why, base::TimePoint now) {
  if (!active || !in_flight || id != run) return std::nullopt;
  in_flight = false;
  // The period counts from the start of a run, as the kubelet's does, but a
  // slow run never makes the next one start at once.
  next_at = std::max(began + spec.period, now + spec.period / 10);
  ProbeStatus before = status;
  if (ok) {
    failures = 0;
    ++successes;
    if (status != ProbeStatus::kPassing && successes >= spec.success_threshold) {
      status = ProbeStatus::kPassing;
    }
  } else {
    successes = 0;
    ++failures;
    detail = std::move(why);
    if (status != ProbeStatus::kFailing && failures >= spec.failure_threshold) {
      status = ProbeStatus::kFailing;
    }
  }
  if (status == before) return std::nullopt;
  return status;
}

std::optional<base::TimePoint> Probe::NextDeadline() const {
  if (!active) return std::nullopt;
  return in_flight ? deadline : next_at;
}

}  // namespace core
