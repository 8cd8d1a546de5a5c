#include "os/rotating_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "os/files.h"

namespace os {
namespace {

class RotatingFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rotating_file_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/out.log";
  }
  void TearDown() override {
    for (const char* suffix : {"", ".1", ".2"}) unlink((path_ + suffix).c_str());
    rmdir(dir_.c_str());
  }
  std::string Contents(const std::string& p) { return ReadFile(p).value_or(""); }

  std::string dir_, path_;
};

TEST_F(RotatingFileTest, RotatesBySize) {
  RotatingFile f(path_, 10, 2);
  ASSERT_TRUE(f.Write("12345678\n").Ok());
  ASSERT_TRUE(f.Write("abc\n").Ok());
  EXPECT_EQ(Contents(path_ + ".1"), "12345678\n");
  EXPECT_EQ(Contents(path_), "abc\n");
}

// A file size limit acts like a full disk: part of a write goes in, then
// the next part fails (EFBIG here, ENOSPC on a disk).
TEST_F(RotatingFileTest, AFailedWriteLeavesNoHalfLineAndTheNextLineRetries) {
  RotatingFile f(path_, 1 << 20, 1);
  ASSERT_TRUE(f.Write("first line\n").Ok());
  struct rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  struct rlimit small = old;
  small.rlim_cur = 16;
  sighandler_t prev = signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  base::Status st = f.Write("a longer second line\n");
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, prev);
  ASSERT_FALSE(st.Ok());
  EXPECT_EQ(st.Err().err, EFBIG);
  EXPECT_EQ(st.Err().what, "write");
  EXPECT_EQ(Contents(path_), "first line\n");
  ASSERT_TRUE(f.Write("third\n").Ok());
  EXPECT_EQ(Contents(path_), "first line\nthird\n");
}

TEST_F(RotatingFileTest, ReportsAFileThatCannotBeOpened) {
  RotatingFile f(dir_ + "/no/such/dir/out.log", 100, 1);
  base::Status st = f.Write("x\n");
  ASSERT_FALSE(st.Ok());
  EXPECT_EQ(st.Err().what, "open");
  EXPECT_EQ(st.Err().err, ENOENT);
}

}  // namespace
}  // namespace os
