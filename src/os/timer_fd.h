// TimerFd: one timer for the whole loop, armed at the earliest deadline core
// asks for and disarmed when there is none, so an idle tend never wakes.
#pragma once

#include <cstdint>
#include <optional>

#include "base/clock.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

class TimerFd {
 public:
  static base::Result<TimerFd> Create();
  int Fd() const { return fd_.Get(); }
  // Arms at an absolute steady_clock time, or disarms with nullopt. A no-op
  // when the deadline did not change.
  base::Status Arm(std::optional<base::TimePoint> deadline);
  void Acknowledge();  // reads the expiry count so the fd stops being readable

 private:
  explicit TimerFd(base::UniqueFd fd) : fd_(std::move(fd)) {}
  base::UniqueFd fd_;
  std::optional<base::TimePoint> armed_;
};

base::TimePoint Now();
int64_t WallMillis();  // milliseconds since the Unix epoch, for timestamps and cron

}  // namespace os
