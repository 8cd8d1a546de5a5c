#include "base/text.h"

#include <cstdio>

namespace base {

std::string Printable(std::string_view s, size_t max) {
  std::string out;
  bool cut = s.size() > max;
  if (cut) s = s.substr(0, max);
  out.reserve(s.size() + 3);
  for (unsigned char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut) out += "...";
  return out;
}

bool IsDecimal(std::string_view s) {
  size_t digits = 0, dots = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '.') {
      ++dots;
    } else {
      return false;
    }
  }
  return digits > 0 && dots <= 1;
}

}  // namespace base
