#include "core/backoff.h"

#include <gtest/gtest.h>

namespace core {
namespace {

using base::milliseconds;
using base::seconds;

TEST(Backoff, FirstRestartIsImmediateThenDoubles) {
  Backoff b;
  EXPECT_EQ(b.NextDelay(milliseconds(5)), milliseconds(0));
  EXPECT_EQ(b.NextDelay(milliseconds(5)), milliseconds(100));
  EXPECT_EQ(b.NextDelay(milliseconds(5)), milliseconds(200));
  EXPECT_EQ(b.NextDelay(milliseconds(5)), milliseconds(400));
}

TEST(Backoff, CapsAtMaxWithoutOverflow) {
  Backoff b;
  base::Duration last{};
  for (int i = 0; i < 200; ++i) last = b.NextDelay(milliseconds(1));
  EXPECT_EQ(last, seconds(30));
}

TEST(Backoff, ResetsAfterALongRun) {
  Backoff b;
  for (int i = 0; i < 5; ++i) b.NextDelay(milliseconds(1));
  EXPECT_EQ(b.NextDelay(seconds(10)), milliseconds(0));
  EXPECT_EQ(b.NextDelay(seconds(1)), milliseconds(100));
}

TEST(Backoff, HonoursCustomBounds) {
  Backoff b(BackoffPolicy{milliseconds(10), milliseconds(25), seconds(1)});
  EXPECT_EQ(b.NextDelay({}), milliseconds(0));
  EXPECT_EQ(b.NextDelay({}), milliseconds(10));
  EXPECT_EQ(b.NextDelay({}), milliseconds(20));
  EXPECT_EQ(b.NextDelay({}), milliseconds(25));
}

}  // namespace
}  // namespace core
