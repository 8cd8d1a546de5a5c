#include "os/listen_socket.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "os/tcp_listen.h"

namespace os {
namespace {

spec::SocketSpec Ip(spec::SocketSpec::Kind kind, const std::string& host) {
  spec::SocketSpec s;
  s.kind = kind;
  s.ip.host = host;
  s.ip.port = 0;  // the kernel picks one
  return s;
}

int SocketOption(int fd, int option) {
  int v = 0;
  socklen_t len = sizeof v;
  EXPECT_EQ(getsockopt(fd, SOL_SOCKET, option, &v, &len), 0);
  return v;
}

class ListenSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tend-listen-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    unlink((dir_ + "/s").c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_;
};

TEST_F(ListenSocketTest, TcpListensBlockingAndCloseOnExec) {
  auto fd = BindSocket(Ip(spec::SocketSpec::Kind::kTcp, "127.0.0.1"));
  ASSERT_TRUE(fd) << fd.Err().Describe();
  EXPECT_EQ(SocketOption(fd->Get(), SO_ACCEPTCONN), 1);
  EXPECT_EQ(SocketOption(fd->Get(), SO_TYPE), SOCK_STREAM);
  EXPECT_EQ(fcntl(fd->Get(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(fcntl(fd->Get(), F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_GT(*BoundPort(fd->Get()), 0);
  EXPECT_TRUE(SocketInode(fd->Get()));
}

TEST_F(ListenSocketTest, UdpIsBoundNotListening) {
  auto fd = BindSocket(Ip(spec::SocketSpec::Kind::kUdp, ""));
  ASSERT_TRUE(fd) << fd.Err().Describe();
  EXPECT_EQ(SocketOption(fd->Get(), SO_TYPE), SOCK_DGRAM);
  EXPECT_GT(*BoundPort(fd->Get()), 0);
}

TEST_F(ListenSocketTest, TakenPortNamesTheAddress) {
  auto first = BindSocket(Ip(spec::SocketSpec::Kind::kTcp, "127.0.0.1"));
  ASSERT_TRUE(first);
  spec::SocketSpec again = Ip(spec::SocketSpec::Kind::kTcp, "127.0.0.1");
  again.ip.port = *BoundPort(first->Get());
  auto second = BindSocket(again);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.Err().err, EADDRINUSE);
  EXPECT_EQ(second.Err().what,
            "listen tcp://127.0.0.1:" + std::to_string(again.ip.port) + ": bind");
}

TEST_F(ListenSocketTest, UnixGetsItsModeAndReplacesOnlyStaleSockets) {
  spec::SocketSpec s;
  s.kind = spec::SocketSpec::Kind::kUnix;
  s.path = dir_ + "/s";
  s.mode = 0640;
  auto fd = BindSocket(s);
  ASSERT_TRUE(fd) << fd.Err().Describe();
  struct stat st {};
  ASSERT_EQ(stat(s.path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  // Someone accepts on it: not tend's to take.
  auto taken = BindSocket(s);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.Err().err, EADDRINUSE);
  // Its listener gone, the file is stale and replaced.
  fd->Reset();
  auto again = BindSocket(s);
  EXPECT_TRUE(again) << again.Err().Describe();
}

TEST_F(ListenSocketTest, UnixNeverRemovesOtherFiles) {
  spec::SocketSpec s;
  s.kind = spec::SocketSpec::Kind::kUnix;
  s.path = dir_ + "/s";
  int f = open(s.path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_GE(f, 0);
  close(f);
  auto fd = BindSocket(s);
  ASSERT_FALSE(fd);
  EXPECT_NE(fd.Err().what.find("is not a socket"), std::string::npos);
  struct stat st {};
  EXPECT_EQ(stat(s.path.c_str(), &st), 0);
}

}  // namespace
}  // namespace os
