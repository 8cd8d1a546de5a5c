#include "base/clock.h"

#include <gtest/gtest.h>

namespace base {
namespace {

TEST(FormatDuration, PicksAReadableUnit) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0ms");
  EXPECT_EQ(FormatDuration(milliseconds(350)), "350ms");
  EXPECT_EQ(FormatDuration(milliseconds(2500)), "2.5s");
  EXPECT_EQ(FormatDuration(seconds(190)), "3m10s");
  EXPECT_EQ(FormatDuration(seconds(7260)), "2h1m");
}

TEST(FormatUtc, IsRfc3339WithMilliseconds) {
  EXPECT_EQ(FormatUtc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatUtc(1795309323456), "2026-11-22T01:02:03.456Z");
  EXPECT_EQ(FormatUtc(951782400000), "2000-02-29T00:00:00.000Z");  // a leap day
  EXPECT_EQ(FormatUtc(4102444799999), "2099-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace base
