#include "base/format_double.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

namespace base {
namespace {

std::string ToChars(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return {buf, end};
}

TEST(FormatDouble, Examples) {
  EXPECT_EQ(FormatDouble(1.25), "1.25");
  EXPECT_EQ(FormatDouble(1700000000.5), "1700000000.5");
  EXPECT_EQ(FormatDouble(100), "100");
  EXPECT_EQ(FormatDouble(1000000), "1e+06");
  EXPECT_EQ(FormatDouble(1e300), "1e+300");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(0.00001), "1e-05");
  EXPECT_EQ(FormatDouble(0), "0");
  EXPECT_EQ(FormatDouble(-0.0), "-0");
  EXPECT_EQ(FormatDouble(-2.5), "-2.5");
  // An integer in fixed style is exact, not the shortest digits padded.
  EXPECT_EQ(FormatDouble(983628004637773440.0), "983628004637773440");
}

// The same text as std::to_chars, value for value.
void ExpectSameAsToChars(double v) {
  ASSERT_EQ(FormatDouble(v), ToChars(v)) << "for the double to_chars writes as " << ToChars(v);
}

TEST(FormatDouble, LimitsAsToChars) {
  using L = std::numeric_limits<double>;
  for (double v : {L::min(), L::max(), L::denorm_min(), L::epsilon(), L::lowest(), L::infinity(),
                   -L::infinity(), 0.3, 2.0 / 3, 123456789012345678.0, 9007199254740993.0})
    ExpectSameAsToChars(v);
}

TEST(FormatDouble, RandomBitPatternsAsToChars) {
  std::mt19937_64 rng(18);
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isnan(v)) continue;
    ExpectSameAsToChars(v);
  }
}

TEST(FormatDouble, MetricLikeValuesAsToChars) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> ints(0, int64_t{1} << 53);
  for (int i = 0; i < 100000; ++i) {
    auto n = static_cast<double>(ints(rng));
    ExpectSameAsToChars(n);         // bytes, counts
    ExpectSameAsToChars(n / 1000);  // milliseconds as seconds
    ExpectSameAsToChars(n / 100);   // clock ticks as seconds
    ExpectSameAsToChars(static_cast<double>(i));
  }
}

}  // namespace
}  // namespace base
