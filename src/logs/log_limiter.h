// LogLimiter: keeps one cause of warnings from flooding tend's own log. A
// peer tend refuses, a stranger's sd_notify datagram, a write to a full
// disk: each is worth a line, but 20,000 of them in a second bury
// everything else and cost a write each. Per cause, the first `burst` lines
// of a window pass (the last one says that more will be held back); later
// ones are counted, and the count comes out as one summary line with the
// next warning after the window ended (of that cause or any other).
//
// Pure, time passed in: the caller writes the lines it is given. Causes
// are a few fixed strings per call site (a service's output file at most),
// so the table stays small; a window that ended without suppressing
// anything is forgotten.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"

namespace logs {

class LogLimiter {
 public:
  explicit LogLimiter(int burst = 5, base::Duration window = base::seconds(10))
      : burst_(burst), window_(window) {}

  // The lines to write for warning `text` of `cause` at `now`: summaries of
  // windows that ended with lines held back, then `text` if its window has
  // room. Empty when it is held back.
  std::vector<std::string> Admit(const std::string& cause, const std::string& text,
                                 base::TimePoint now);
  // Summaries of windows that ended by `now` with lines held back; for a
  // caller that writes other lines anyway and can flush them on the way.
  std::vector<std::string> Expire(base::TimePoint now);

 private:
  struct Window {
    base::TimePoint start;
    int lines = 0;
    uint64_t held = 0;
  };

  std::string Summary(const std::string& cause, uint64_t held) const;

  int burst_;
  base::Duration window_;
  std::map<std::string, Window> windows_;
};

}  // namespace logs
