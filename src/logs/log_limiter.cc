#include "logs/log_limiter.h"

namespace logs {

std::vector<std::string> LogLimiter::Admit(const std::string& cause, const std::string& text,
                                           base::TimePoint now) {
  std::vector<std::string> out = Expire(now);
  auto [it, fresh] = windows_.try_emplace(cause);
  Window& w = it->second;
  if (fresh) w.start = now;
  if (w.lines >= burst_) {
    ++w.held;
    return out;
  }
  ++w.lines;
  if (w.lines < burst_) {
    out.push_back(text);
  } else {
    out.push_back(text + " (more like this held back for up to " +
                  base::FormatDuration(w.start + window_ - now) + ")");
  }
  return out;
}

std::vector<std::string> LogLimiter::Expire(base::TimePoint now) {
  std::vector<std::string> out;
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (now - it->second.start < window_) {
      ++it;
      continue;
    }
    if (it->second.held > 0) out.push_back(Summary(it->first, it->second.held));
    it = windows_.erase(it);
  }
  return out;
}

std::string LogLimiter::Summary(const std::string& cause, uint64_t held) const {
  return cause + ": " + std::to_string(held) + " more suppressed (at most " +
         std::to_string(burst_) + " lines per " + base::FormatDuration(window_) + ")";
}

}  // namespace logs
