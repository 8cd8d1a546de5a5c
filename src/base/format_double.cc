#include "base/format_double.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace base {
namespace {

// A finite double as significant digits and a decimal exponent:
// value = 0.d1d2d3... * 10^(exponent + 1), sign apart.
struct Decimal {
  bool negative = false;
  std::string digits;
  int exponent = 0;
};

// The fewest digits that read back as `value`. snprintf rounds correctly,
// so the first precision that round-trips gives the digits closest to
// `value` among the shortest ones, as to_chars chooses them.
Decimal Shortest(double value) {
  char buf[40];
  for (int precision = 0; precision < 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, value);
    if (std::strtod(buf, nullptr) == value || precision == 16) break;
  }
  Decimal d;
  std::string_view s = buf;  // [-]d[.ddd]e(+|-)dd[d]
  if (s.front() == '-') {
    d.negative = true;
    s.remove_prefix(1);
  }
  size_t e = s.find('e');
  for (char c : s.substr(0, e))
    if (c != '.') d.digits += c;
  d.exponent = std::atoi(s.data() + e + 1);
  return d;
}

std::string Scientific(const Decimal& d) {
  std::string out(1, d.digits[0]);
  if (d.digits.size() > 1) out += "." + d.digits.substr(1);
  int x = std::abs(d.exponent);
  out += d.exponent < 0 ? "e-" : "e+";
  if (x < 10) out += '0';
  return out + std::to_string(x);
}

// An integer in fixed style is written exactly, as to_chars does:
// 983628004637773440, not the shortest digits padded, 983628004637773400.
std::string Fixed(const Decimal& d, double value) {
  auto n = static_cast<int>(d.digits.size());
  if (d.exponent < 0) return "0." + std::string(-d.exponent - 1, '0') + d.digits;
  if (n <= d.exponent + 1) {
    char buf[320];  // the largest double has 309 digits
    std::snprintf(buf, sizeof buf, "%.0f", std::fabs(value));
    return buf;
  }
  return d.digits.substr(0, d.exponent + 1) + "." + d.digits.substr(d.exponent + 1);
}

}  // namespace

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  Decimal d = Shortest(value);
  std::string fixed = Fixed(d, value);
  std::string scientific = Scientific(d);
  // to_chars takes the shorter of the two styles, fixed on a tie.
  std::string& best = scientific.size() < fixed.size() ? scientific : fixed;
  return d.negative ? "-" + best : best;
}

}  // namespace base
