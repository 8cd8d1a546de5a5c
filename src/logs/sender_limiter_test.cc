#include "logs/sender_limiter.h"

#include <gtest/gtest.h>

namespace logs {
namespace {

const base::TimePoint kT0{base::seconds(1000)};

TEST(SenderLimiter, LetsABurstThroughThenDropsAndCounts) {
  SenderLimiter l(3, base::seconds(10), 16);
  for (int n = 0; n < 3; ++n) EXPECT_TRUE(l.Admit(42, kT0));
  EXPECT_EQ(l.NextDeadline(), std::nullopt);  // nothing dropped: nothing to report
  for (int n = 0; n < 1000; ++n) EXPECT_FALSE(l.Admit(42, kT0 + base::seconds(5)));
  EXPECT_EQ(l.NextDeadline(), kT0 + base::seconds(10));
  EXPECT_TRUE(l.Expire(kT0 + base::seconds(9)).empty());
  auto dropped = l.Expire(kT0 + base::seconds(10));
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].sender, 42);
  EXPECT_EQ(dropped[0].count, 1000u);
  EXPECT_EQ(l.NextDeadline(), std::nullopt);
  // A new window: the sender passes again.
  EXPECT_TRUE(l.Admit(42, kT0 + base::seconds(11)));
}

TEST(SenderLimiter, SendersAreCountedApart) {
  SenderLimiter l(1, base::seconds(10), 16);
  EXPECT_TRUE(l.Admit(1, kT0));
  EXPECT_FALSE(l.Admit(1, kT0));
  EXPECT_TRUE(l.Admit(2, kT0));
  auto dropped = l.Expire(kT0 + base::seconds(10));
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].sender, 1);
}

TEST(SenderLimiter, AWindowThatEndedUnseenCarriesItsDropsIntoTheNext) {
  SenderLimiter l(1, base::seconds(10), 16);
  EXPECT_TRUE(l.Admit(7, kT0));
  EXPECT_FALSE(l.Admit(7, kT0));
  // No Expire() in between: the next message after the window still passes.
  EXPECT_TRUE(l.Admit(7, kT0 + base::seconds(12)));
  EXPECT_FALSE(l.Admit(7, kT0 + base::seconds(12)));
  auto dropped = l.Expire(kT0 + base::seconds(22));
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].count, 2u);  // one from each window
}

TEST(SenderLimiter, AFullTableSharesOneWindowAmongNewSenders) {
  SenderLimiter l(2, base::seconds(10), 4);
  for (int pid = 1; pid <= 4; ++pid) EXPECT_TRUE(l.Admit(100 + pid, kT0));
  // Thousands of short-lived senders: one shared window, bounded memory.
  int passed = 0;
  for (int pid = 1000; pid < 5000; ++pid) passed += l.Admit(pid, kT0) ? 1 : 0;
  EXPECT_EQ(passed, 2);  // the shared window's burst
  auto dropped = l.Expire(kT0 + base::seconds(10));
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].sender, SenderLimiter::kOthers);
  EXPECT_EQ(dropped[0].count, 3998u);
  // Once the windows ended, the table is empty again: a sender has its own.
  EXPECT_TRUE(l.Admit(77, kT0 + base::seconds(11)));
  EXPECT_TRUE(l.Admit(77, kT0 + base::seconds(11)));
  EXPECT_FALSE(l.Admit(77, kT0 + base::seconds(11)));
  EXPECT_EQ(l.Expire(kT0 + base::seconds(21))[0].sender, 77);
}

}  // namespace
}  // namespace logs
