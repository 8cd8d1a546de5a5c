// Time as core/ sees it: a monotonic time point passed in by the caller.
// Only os/ reads the clock, so every decision in core/ is testable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace base {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::nanoseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

// "350ms", "2.5s", "3m10s": short and human, for log lines.
std::string FormatDuration(Duration d);

// "2026-11-22T01:02:03.456Z" for milliseconds since the Unix epoch.
std::string FormatUtc(int64_t unix_millis);

}  // namespace base
