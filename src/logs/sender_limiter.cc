#include "logs/sender_limiter.h"

namespace logs {

bool SenderLimiter::Admit(int sender, base::TimePoint now) {
  auto it = windows_.find(sender);
  if (it != windows_.end() && now - it->second.start >= window_) {
    // Its window ended before Expire() saw it: a new one begins, and the
    // drops of the old one are reported with it.
    it->second.start = now;
    it->second.passed = 0;
  }
  if (it == windows_.end()) {
    if (windows_.size() >= max_senders_) {
      sender = kOthers;
      it = windows_.find(kOthers);
    }
    if (it == windows_.end()) {
      it = windows_.emplace(sender, Window{now, 0, 0}).first;
    }
  }
  Window& w = it->second;
  if (w.passed < burst_) {
    ++w.passed;
    return true;
  }
  ++w.dropped;
  return false;
}

std::vector<SenderLimiter::Dropped> SenderLimiter::Expire(base::TimePoint now) {
  std::vector<Dropped> out;
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (now - it->second.start < window_) {
      ++it;
      continue;
    }
    if (it->second.dropped > 0) {
      out.push_back({it->first, it->second.dropped, window_});
    }
    it = windows_.erase(it);
  }
  return out;
}

std::optional<base::TimePoint> SenderLimiter::NextDeadline() const {
  std::optional<base::TimePoint> next;
  for (const auto& [sender, w] : windows_) {
    if (w.dropped == 0) continue;
    base::TimePoint end = w.start + window_;
    if (!next || end < *next) next = end;
  }
  return next;
}

}  // namespace logs
