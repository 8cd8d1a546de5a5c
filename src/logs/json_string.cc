#include "logs/json_string.h"

#include <cstdio>

#include "logs/utf8.h"

namespace logs {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void AppendAscii(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
  }
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  while (!s.empty()) {
    auto c = static_cast<unsigned char>(s[0]);
    if (c < 0x80) {
      AppendAscii(out, c);
      s.remove_prefix(1);
      continue;
    }
    size_t n = Utf8CharLength(s);
    if (n > 0) {
      out.append(s.substr(0, n));
    } else {
      n = Utf8InvalidLength(s);
      out += kReplacement;
    }
    s.remove_prefix(n);
  }
  out += '"';
}

}  // namespace logs
