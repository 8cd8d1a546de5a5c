#include "config/cron.h"

#include <gtest/gtest.h>

#include <ctime>

namespace spec {
namespace {

int64_t At(int y, int mo, int d, int h, int mi) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return timegm(&tm);
}

int64_t Next(const char* expr, int64_t after) {
  CronResult r = ParseCron(expr);
  EXPECT_TRUE(r.expr) << expr << ": " << r.error;
  return NextRun(*r.expr, after).value_or(0);
}

TEST(Cron, EveryMinuteIsTheNextWholeMinute) {
  EXPECT_EQ(Next("* * * * *", At(2026, 11, 22, 10, 5) + 30), At(2026, 11, 22, 10, 6));
  EXPECT_EQ(Next("* * * * *", At(2026, 11, 22, 10, 5)), At(2026, 11, 22, 10, 6));
}

TEST(Cron, StepsRangesListsAndNames) {
  EXPECT_EQ(Next("*/15 * * * *", At(2026, 11, 22, 10, 5)), At(2026, 11, 22, 10, 15));
  EXPECT_EQ(Next("0 9-17/4 * * *", At(2026, 11, 22, 10, 0)), At(2026, 11, 22, 13, 0));
  EXPECT_EQ(Next("30 2 * * mon,fri", At(2026, 11, 22, 10, 0)), At(2026, 11, 23, 2, 30));
  EXPECT_EQ(Next("0 0 1 jan *", At(2026, 11, 22, 10, 0)), At(2027, 1, 1, 0, 0));
  EXPECT_EQ(Next("@daily", At(2026, 11, 22, 10, 0)), At(2026, 11, 23, 0, 0));
  EXPECT_EQ(Next("0 0 * * 7", At(2026, 11, 22, 10, 0)), At(2026, 11, 29, 0, 0));  // Sunday
}

TEST(Cron, RestrictedDayFieldsMatchEither) {
  // The 1st of the month or any Monday (Vixie cron).
  EXPECT_EQ(Next("0 0 1 * mon", At(2026, 11, 22, 10, 0)), At(2026, 11, 23, 0, 0));
}

TEST(Cron, ImpossibleDatesHaveNoNextRun) {
  CronResult r = ParseCron("0 0 31 2 *");
  ASSERT_TRUE(r.expr);
  EXPECT_FALSE(NextRun(*r.expr, At(2026, 1, 1, 0, 0)));
}

TEST(Cron, RejectsBadExpressionsNamingTheField) {
  EXPECT_NE(ParseCron("* * *").error.find("expected 5 fields"), std::string::npos);
  EXPECT_NE(ParseCron("60 * * * *").error.find("minute must be 0-59"), std::string::npos);
  EXPECT_NE(ParseCron("* 5-2 * * *").error.find("hour"), std::string::npos);
  EXPECT_NE(ParseCron("* * * foo *").error.find("month"), std::string::npos);
  EXPECT_NE(ParseCron("*/0 * * * *").error.find("bad step in minute"), std::string::npos);
}

}  // namespace
}  // namespace spec
