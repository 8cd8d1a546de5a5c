#include "os/timer_fd.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cstdint>

namespace os {

base::Result<TimerFd> TimerFd::Create() {
  // steady_clock is CLOCK_MONOTONIC on Linux, so deadlines carry over as is.
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return base::Errno("timerfd_create");
  return TimerFd(base::UniqueFd(fd));
}

base::Status TimerFd::Arm(std::optional<base::TimePoint> deadline) {
  if (deadline == armed_) return base::OkStatus();
  itimerspec spec{};
  if (deadline) {
    int64_t ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline->time_since_epoch()).count();
    if (ns <= 0) ns = 1;  // zero would disarm
    spec.it_value.tv_sec = ns / 1'000'000'000;
    spec.it_value.tv_nsec = ns % 1'000'000'000;
  }
  if (timerfd_settime(fd_.Get(), TFD_TIMER_ABSTIME, &spec, nullptr) < 0) {
    return base::Errno("timerfd_settime");
  }
  armed_ = deadline;
  return base::OkStatus();
}

void TimerFd::Acknowledge() {
  uint64_t expirations;
  (void)!read(fd_.Get(), &expirations, sizeof expirations);
  armed_.reset();
}

base::TimePoint Now() { return base::Clock::now(); }

int64_t WallMillis() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace os
