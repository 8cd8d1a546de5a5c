#include "logs/log_limiter.h"

#include <gtest/gtest.h>

namespace logs {
namespace {

using Lines = std::vector<std::string>;
const base::TimePoint kT0{base::seconds(1000)};

TEST(LogLimiter, LetsABurstThroughThenHoldsBack) {
  LogLimiter l(3, base::seconds(10));
  EXPECT_EQ(l.Admit("notify", "a", kT0), Lines{"a"});
  EXPECT_EQ(l.Admit("notify", "b", kT0), Lines{"b"});
  EXPECT_EQ(l.Admit("notify", "c", kT0 + base::seconds(4)),
            Lines{"c (more like this held back for up to 6.0s)"});
  for (int n = 0; n < 1000; ++n)
    EXPECT_TRUE(l.Admit("notify", "d", kT0 + base::seconds(5)).empty());
}

TEST(LogLimiter, SummaryComesWithTheNextLineAfterTheWindow) {
  LogLimiter l(1, base::seconds(10));
  EXPECT_EQ(l.Admit("notify", "a", kT0).size(), 1u);
  EXPECT_TRUE(l.Admit("notify", "b", kT0 + base::seconds(1)).empty());
  EXPECT_TRUE(l.Admit("notify", "c", kT0 + base::seconds(9)).empty());
  EXPECT_EQ(l.Admit("notify", "d", kT0 + base::seconds(10)),
            (Lines{"notify: 2 more suppressed (at most 1 lines per 10.0s)",
                   "d (more like this held back for up to 10.0s)"}));
  // That summary was given once; a quiet window leaves nothing to say.
  EXPECT_TRUE(l.Expire(kT0 + base::seconds(30)).empty());
}

TEST(LogLimiter, CausesAreCountedApart) {
  LogLimiter l(1, base::seconds(10));
  EXPECT_EQ(l.Admit("a", "a1", kT0).size(), 1u);
  EXPECT_TRUE(l.Admit("a", "a2", kT0).empty());
  EXPECT_EQ(l.Admit("b", "b1", kT0 + base::seconds(1)).size(), 1u);
  // Another cause's line, after a's window ended, brings a's summary.
  EXPECT_EQ(l.Admit("b", "b2", kT0 + base::seconds(10)),
            Lines{"a: 1 more suppressed (at most 1 lines per 10.0s)"});
}

TEST(LogLimiter, ExpireGivesEndedWindowsOnly) {
  LogLimiter l(1, base::seconds(10));
  (void)l.Admit("a", "x", kT0);
  (void)l.Admit("a", "x", kT0);
  EXPECT_TRUE(l.Expire(kT0 + base::seconds(9)).empty());
  EXPECT_EQ(l.Expire(kT0 + base::seconds(10)).size(), 1u);
}

}  // namespace
}  // namespace logs
