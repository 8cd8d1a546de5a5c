#include "os/notify_pipe.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace os {
namespace {

using Outcome = NotifyPipe::Outcome;

// Forks a child that runs `body` with the write end, then exits.
template <typename F>
pid_t Fork(NotifyPipe& pipe, F body) {
  pid_t pid = fork();
  if (pid == 0) {
    body(pipe.child_end());
    _exit(0);
  }
  pipe.CloseChildEnd();
  return pid;
}

// Waits for the read end like the event loop would, then reads.
Outcome WaitAndRead(NotifyPipe& pipe) {
  pollfd p{pipe.fd(), POLLIN, 0};
  Outcome o = Outcome::kPending;
  while (o == Outcome::kPending && poll(&p, 1, 2000) > 0) o = pipe.Read();
  return o;
}

void Reap(pid_t pid) {
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
}

TEST(NotifyPipe, NewlineMeansReady) {
  auto pipe = NotifyPipe::Create();
  ASSERT_TRUE(pipe.Ok());
  EXPECT_EQ(pipe->Read(), Outcome::kPending);
  pid_t pid = Fork(*pipe, [](int fd) {
    (void)!write(fd, "starting", 8);
    (void)!write(fd, "\n", 1);
    pause();  // stays up, like a service
  });
  EXPECT_EQ(WaitAndRead(*pipe), Outcome::kReady);
  EXPECT_EQ(pipe->Read(), Outcome::kReady);  // final
  kill(pid, SIGKILL);
  Reap(pid);
}

TEST(NotifyPipe, ExitWithoutNewlineIsClosed) {
  auto pipe = NotifyPipe::Create();
  ASSERT_TRUE(pipe.Ok());
  pid_t pid = Fork(*pipe, [](int fd) { (void)!write(fd, "no newline", 10); });
  EXPECT_EQ(WaitAndRead(*pipe), Outcome::kClosed);
  Reap(pid);
}

TEST(NotifyPipe, ChildExitingSilentlyIsClosed) {
  auto pipe = NotifyPipe::Create();
  ASSERT_TRUE(pipe.Ok());
  pid_t pid = Fork(*pipe, [](int) {});
  EXPECT_EQ(WaitAndRead(*pipe), Outcome::kClosed);
  Reap(pid);
}

TEST(NotifyPipe, OnlyTendsEndIsNonBlockingAndBothAreCloseOnExec) {
  auto pipe = NotifyPipe::Create();
  ASSERT_TRUE(pipe.Ok());
  EXPECT_TRUE(fcntl(pipe->fd(), F_GETFL) & O_NONBLOCK);
  EXPECT_FALSE(fcntl(pipe->child_end(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(pipe->fd(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(fcntl(pipe->child_end(), F_GETFD) & FD_CLOEXEC);
  pipe->CloseChildEnd();
  EXPECT_EQ(pipe->child_end(), -1);
  EXPECT_EQ(pipe->Read(), Outcome::kClosed);
}

}  // namespace
}  // namespace os
