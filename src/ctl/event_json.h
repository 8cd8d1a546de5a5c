// EventJson: a lifecycle event as the JSON object docs/protocol.md
// describes, for `tendctl events`, /events and hooks' TEND_EVENT_JSON.
// Pure: the sequence number, the time and the service's last output lines
// (JSON objects as `logs` sends them) are passed in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/lifecycle_event.h"

namespace ctl {

std::string EventJson(const core::LifecycleEvent& e, uint64_t seq, int64_t wall_ms,
                      const std::vector<std::string>& last_lines = {});

}  // namespace ctl
