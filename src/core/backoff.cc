#include "core/backoff.h"

#include <algorithm>

namespace core {

base::Duration Backoff::NextDelay(base::Duration uptime) {
  if (uptime >= policy_.reset_after) quick_failures_ = 0;
  base::Duration delay{0};
  if (quick_failures_ > 0) {
    delay = policy_.initial;
    // Double without overflowing: stop as soon as max is reached.
    for (int i = 1; i < quick_failures_ && delay < policy_.max; ++i) delay *= 2;
    delay = std::min(delay, policy_.max);
  }
  ++quick_failures_;
  return delay;
}

}  // namespace core
