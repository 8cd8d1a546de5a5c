#include "logs/utf8.h"

namespace logs {
namespace {

bool IsContinuation(unsigned char b) { return b >= 0x80 && b <= 0xBF; }

// What a first byte promises: the character's length and the range of its
// second byte (narrower than 80..BF where overlongs, surrogates or values
// above U+10FFFF would start).
struct Lead {
  size_t length;  // 0: cannot start a character
  unsigned char lo, hi;
};

Lead LeadOf(unsigned char b) {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// How many bytes from the start of `s` fit the character its first byte
// begins (at most that character's length, at least 1).
size_t Matching(std::string_view s, Lead lead) {
  size_t n = 1;
  for (; n < lead.length && n < s.size(); ++n) {
    auto c = static_cast<unsigned char>(s[n]);
    if (n == 1 ? c < lead.lo || c > lead.hi : !IsContinuation(c)) break;
  }
  return n;
}

}  // namespace

size_t Utf8CharLength(std::string_view s) {
  if (s.empty()) return 0;
  Lead lead = LeadOf(static_cast<unsigned char>(s[0]));
  if (lead.length == 0) return 0;
  return Matching(s, lead) == lead.length ? lead.length : 0;
}

size_t Utf8InvalidLength(std::string_view s) {
  if (s.empty()) return 0;
  Lead lead = LeadOf(static_cast<unsigned char>(s[0]));
  return lead.length == 0 ? 1 : Matching(s, lead);
}

size_t Utf8IncompleteTail(std::string_view s) {
  for (size_t back = 1; back <= 3 && back <= s.size(); ++back) {
    auto b = static_cast<unsigned char>(s[s.size() - back]);
    if (IsContinuation(b)) continue;  // its first byte is further back
    Lead lead = LeadOf(b);
    bool incomplete = lead.length > back && Matching(s.substr(s.size() - back), lead) == back;
    return incomplete ? back : 0;
  }
  return 0;
}

}  // namespace logs
