// Backoff: how long to wait before restarting a service that died, given how
// long it ran. The first restart is immediate; while the service keeps dying
// soon after starting the delay doubles from `initial` up to `max`; a run of
// at least `reset_after` counts as healthy and starts the sequence over.
#pragma once

#include "base/clock.h"

namespace core {

struct BackoffPolicy {
  base::Duration initial = base::milliseconds(100);
  base::Duration max = base::seconds(30);
  base::Duration reset_after = base::seconds(10);
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {}) : policy_(policy) {}

  // Called once per death; returns the delay before the next start.
  base::Duration NextDelay(base::Duration uptime);
  int QuickFailures() const { return quick_failures_; }

 private:
  BackoffPolicy policy_;
  int quick_failures_ = 0;  // consecutive deaths before reset_after
};

}  // namespace core
