#include "os/proc_stats.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/unique_fd.h"

namespace os {
namespace {

TEST(ProcStats, ParsesAStatLine) {
  auto f = ParseStat(
      "1234 (my prog) S 1 1234 1234 0 -1 4194560 120 0 0 0 250 75 0 0 20 0 1 0 98765 "
      "12345678 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->state, 'S');
  EXPECT_EQ(f->utime_ticks, 250u);
  EXPECT_EQ(f->stime_ticks, 75u);
  EXPECT_EQ(f->starttime_ticks, 98765u);
  EXPECT_EQ(f->rss_pages, 300u);
}

TEST(ProcStats, CommMayHoldParenthesesAndSpaces) {
  auto f = ParseStat("7 (a) b) (c d) R 1 7 7 0 -1 0 0 0 0 0 9 8 0 0 20 0 1 0 55 0 0");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->state, 'R');
  EXPECT_EQ(f->utime_ticks, 9u);
  EXPECT_EQ(f->stime_ticks, 8u);
  EXPECT_EQ(f->starttime_ticks, 55u);
}

TEST(ProcStats, RefusesTruncatedOrMalformedLines) {
  EXPECT_FALSE(ParseStat(""));
  EXPECT_FALSE(ParseStat("1 (x R 1 1"));
  EXPECT_FALSE(ParseStat("1 x) R 1 1 1 0 -1 0 0 0 0 0 9 8 0 0 20 0 1 0 55"));
  EXPECT_FALSE(ParseStat("1 (x) R 1 1 1 0 -1 0 0 0 0 0 9 8 0 0 20 0 1 0"));  // no starttime
  EXPECT_FALSE(ParseStat("1 (x) R 1 1 1 0 -1 0 0 0 0 0 -9 8 0 0 20 0 1 0 55"));
  EXPECT_FALSE(ParseStat("1 (x) RR 1 1 1 0 -1 0 0 0 0 0 9 8 0 0 20 0 1 0 55"));
}

TEST(ProcStats, ParsesStatm) {
  EXPECT_EQ(ParseStatmResident("2048 300 100 10 0 500 0\n"), 300u);
  EXPECT_FALSE(ParseStatmResident("2048"));
  EXPECT_FALSE(ParseStatmResident("2048 x"));
}

TEST(ProcStats, ReadsItself) {
  ProcStats s = ReadProcStats(getpid());
  ASSERT_TRUE(s.cpu_seconds);
  EXPECT_GE(*s.cpu_seconds, 0);
  ASSERT_TRUE(s.rss_bytes);
  EXPECT_GT(*s.rss_bytes, 0);
  EXPECT_TRUE(s.start_seconds_after_boot);
}

TEST(ProcStats, VanishedProcessHasNoFields) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  ASSERT_GT(pid, 0);
  int status;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ProcStats s = ReadProcStats(pid);
  EXPECT_FALSE(s.cpu_seconds);
  EXPECT_FALSE(s.rss_bytes);
}

TEST(ProcStats, CountsOwnFds) {
  auto before = CountOwnOpenFds();
  ASSERT_TRUE(before);
  base::UniqueFd extra(dup(0));
  ASSERT_TRUE(extra);
  EXPECT_EQ(CountOwnOpenFds(), *before + 1);
}

}  // namespace
}  // namespace os
