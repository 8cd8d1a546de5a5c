// SenderLimiter: keeps one syslog sender from flooding tend's output. Any
// process in the container may send to /dev/log as fast as the kernel lets
// it; a runaway one must not bury the other services' lines or cost tend a
// write per message. Per sender (its pid), the first `burst` messages of a
// window pass and later ones are dropped and counted; when a window with
// drops ends, the caller is given the count to report (journald's
// RateLimitBurst/RateLimitIntervalSec, per sender as rsyslog's imuxsock).
//
// Pure, time passed in. The table is bounded: when it is full, senders
// without a window of their own share one (key kOthers), so a storm of
// short-lived senders costs a fixed amount of memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "base/clock.h"

namespace logs {

class SenderLimiter {
 public:
  static constexpr int kOthers = 0;  // the shared window (no sender has pid 0)

  SenderLimiter(uint32_t burst, base::Duration window, size_t max_senders)
      : burst_(burst), window_(window), max_senders_(max_senders) {}

  // Whether a message from `sender` at `now` passes.
  bool Admit(int sender, base::TimePoint now);

  struct Dropped {
    int sender;  // kOthers: many senders shared the window
    uint64_t count;
    base::Duration window;
  };
  // Windows that ended by `now`: those with drops are returned to report.
  std::vector<Dropped> Expire(base::TimePoint now);
  // When the first window with drops ends: when Expire() has work.
  std::optional<base::TimePoint> NextDeadline() const;

  uint32_t burst() const { return burst_; }
  base::Duration window() const { return window_; }

 private:
  struct Window {
    base::TimePoint start;
    uint32_t passed = 0;
    uint64_t dropped = 0;
  };

  uint32_t burst_;
  base::Duration window_;
  size_t max_senders_;
  std::map<int, Window> windows_;
};

}  // namespace logs
