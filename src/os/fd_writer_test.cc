#include "os/fd_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <string>

namespace os {
namespace {

// A pipe of one page: the writer must hold what does not fit and write it,
// in order, as the reader drains.
struct SmallPipe {
  int r = -1, w = -1;
  SmallPipe() {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
    fcntl(w, F_SETPIPE_SZ, 4096);
  }
  ~SmallPipe() {
    close(r);
    if (w >= 0) close(w);
  }
  std::string ReadAll() {
    std::string out;
    char buf[65536];
    int flags = fcntl(r, F_GETFL);
    fcntl(r, F_SETFL, flags | O_NONBLOCK);
    for (ssize_t n; (n = read(r, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
};

TEST(FdWriter, KeepsOrderAcrossPartialWrites) {
  SmallPipe p;
  FdWriter writer(p.w, true, 16 * 1024);
  std::string expect, got;
  for (int n = 0; n < 200; ++n) {
    std::string chunk(1000, static_cast<char>('a' + n % 26));
    expect += chunk;
    writer.Append(chunk);
    if (n % 7 == 0) {
      got += p.ReadAll();
      writer.Flush();
    }
  }
  while (writer.Pending()) {
    got += p.ReadAll();
    writer.Flush();
  }
  got += p.ReadAll();
  EXPECT_EQ(got, expect);
}

TEST(FdWriter, IsFullPastItsHighMarkAndDrainedBelowAQuarter) {
  SmallPipe p;
  FdWriter writer(p.w, true, 8 * 1024);
  int room = fcntl(p.w, F_GETPIPE_SZ);  // the kernel may round the size up
  ASSERT_GT(room, 0);
  writer.Append(std::string(static_cast<size_t>(room) + 12 * 1024, 'x'));  // 12 KiB wait
  EXPECT_TRUE(writer.Full());
  EXPECT_FALSE(writer.Drained());
  while (writer.Pending()) {
    p.ReadAll();
    writer.Flush();
  }
  EXPECT_FALSE(writer.Full());
  EXPECT_TRUE(writer.Drained());
}

TEST(FdWriter, BreaksWhenTheReaderIsGoneAndDropsFromThen) {
  SmallPipe p;
  FdWriter writer(p.w, true);
  close(p.r);
  p.r = open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto old = std::signal(SIGPIPE, SIG_IGN);  // as tend has it: EPIPE, not death
  writer.Append("lost\n");
  std::signal(SIGPIPE, old);
  EXPECT_TRUE(writer.Broken());
  EXPECT_FALSE(writer.Pending());
  writer.Append("more\n");
  EXPECT_FALSE(writer.Pending());
}

}  // namespace
}  // namespace os
