#include "config/success_status.h"

#include <gtest/gtest.h>

#include <csignal>

namespace spec {
namespace {

SuccessStatusResult Parse(std::vector<StatusEntry> entries) { return ParseSuccessStatus(entries); }

TEST(SuccessStatus, ExitZeroIsAlwaysASuccess) {
  SuccessStatus none;
  EXPECT_TRUE(none.codes.test(0));
  EXPECT_TRUE(none.IsDefault());
  EXPECT_EQ(none.Describe(), "0");
  SuccessStatusResult r = Parse({});
  ASSERT_TRUE(r.status);
  EXPECT_TRUE(r.status->IsDefault());
  // Listing 0 changes nothing.
  EXPECT_EQ(*Parse({int64_t{0}}).status, none);
}

TEST(SuccessStatus, CodesAndSignalNames) {
  SuccessStatusResult r =
      Parse({int64_t{3}, int64_t{255}, std::string("SIGHUP"), std::string("USR2"), int64_t{3}});
  ASSERT_TRUE(r.status) << r.error;
  EXPECT_TRUE(r.status->codes.test(3));
  EXPECT_TRUE(r.status->codes.test(255));
  EXPECT_TRUE(r.status->signals.test(SIGHUP));
  EXPECT_TRUE(r.status->signals.test(SIGUSR2));
  EXPECT_FALSE(r.status->IsDefault());
  EXPECT_EQ(r.status->Describe(), "0, 3, 255, SIGHUP, SIGUSR2");
}

TEST(SuccessStatus, TheFirstBadEntryIsTheErrorWithItsIndex) {
  SuccessStatusResult r = Parse({int64_t{3}, int64_t{256}, int64_t{-1}});
  EXPECT_FALSE(r.status);
  EXPECT_EQ(r.bad, 1u);
  EXPECT_EQ(r.error, "must be an exit status from 0 to 255, got 256");
  r = Parse({int64_t{-1}});
  EXPECT_EQ(r.error, "must be an exit status from 0 to 255, got -1");
  r = Parse({int64_t{INT64_MIN}});
  EXPECT_EQ(r.error, "must be an exit status from 0 to 255, got -9223372036854775808");
  r = Parse({int64_t{1} << 40});
  EXPECT_FALSE(r.status);
}

TEST(SuccessStatus, StringsMustBeSignalNames) {
  SuccessStatusResult r = Parse({std::string("3")});
  EXPECT_FALSE(r.status);
  EXPECT_EQ(r.error, "write an exit status as a number, not a string: 3 without quotes");
  r = Parse({std::string("SIGFOO")});
  EXPECT_EQ(r.error,
            "unknown signal 'SIGFOO' (a signal name like \"SIGTERM\" or \"HUP\", or an exit status "
            "from 0 to 255)");
  for (const char* bad : {"", "sigterm", "SIG", "-1", "SIGTERM ", "\n"}) {
    EXPECT_FALSE(Parse({std::string(bad)}).status) << bad;
  }
  // A hostile name is quoted short and on one line.
  r = Parse({std::string(100000, 'A') + "\n"});
  EXPECT_LT(r.error.size(), 200u);
  EXPECT_EQ(r.error.find('\n'), std::string::npos);
}

TEST(SuccessStatus, AHugeListCostsOnePass) {
  std::vector<StatusEntry> entries(200000, StatusEntry{int64_t{7}});
  SuccessStatusResult r = Parse(entries);
  ASSERT_TRUE(r.status);
  EXPECT_EQ(r.status->Describe(), "0, 7");
  entries.back() = int64_t{999};
  r = Parse(entries);
  EXPECT_FALSE(r.status);
  EXPECT_EQ(r.bad, entries.size() - 1);
}

}  // namespace
}  // namespace spec
