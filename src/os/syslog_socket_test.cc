#include "os/syslog_socket.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <optional>

namespace os {
namespace {

class SyslogSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/tend-syslog-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir));
    dir_ = dir;
    path_ = dir_ + "/log";
  }
  void TearDown() override {
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }

  // Sends `text` as syslog(3) does; `fd` is passed along when given.
  void Send(std::string_view text, int fd = -1) const {
    base::UniqueFd sock(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(sock);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    iovec iov{const_cast<char*>(text.data()), text.size()};
    msghdr msg{};
    msg.msg_name = &addr;
    msg.msg_namelen = sizeof addr;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ASSERT_EQ(sendmsg(sock.Get(), &msg, MSG_NOSIGNAL), static_cast<ssize_t>(text.size()))
        << strerror(errno);
  }

  static int OpenFdCount() {
    int count = 0;
    DIR* dir = opendir("/proc/self/fd");
    while (readdir(dir)) ++count;
    closedir(dir);
    return count;
  }

  std::string dir_, path_;
};

TEST_F(SyslogSocketTest, DatagramsCarryTheSendersCredentials) {
  auto sock = SyslogSocket::Open(path_);
  ASSERT_TRUE(sock.Ok()) << sock.Err().Describe();
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0666u);  // services of any user log
  Send("<13>Nov 30 12:00:00 me: one");
  Send("<13>Nov 30 12:00:00 me: two");
  const auto& got = sock->Receive();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].pid, getpid());
  EXPECT_EQ(got[0].uid, getuid());
  EXPECT_EQ(got[0].text, "<13>Nov 30 12:00:00 me: one");
  EXPECT_EQ(got[1].text, "<13>Nov 30 12:00:00 me: two");
  EXPECT_EQ(got[1].size, got[1].text.size());
  EXPECT_TRUE(sock->Receive().empty());
}

TEST_F(SyslogSocketTest, ALongDatagramIsCutAndSaysItsLength) {
  auto sock = SyslogSocket::Open(path_);
  ASSERT_TRUE(sock.Ok());
  Send(std::string(20000, 'x'));
  Send("");
  const auto& got = sock->Receive();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].text.size(), SyslogSocket::kMaxSyslogDatagram);
  EXPECT_EQ(got[0].size, 20000u);
  EXPECT_EQ(got[1].size, 0u);  // an empty datagram is a message, not the end
}

TEST_F(SyslogSocketTest, ABatchIsBounded) {
  auto sock = SyslogSocket::Open(path_);
  ASSERT_TRUE(sock.Ok());
  base::UniqueFd sender(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  size_t queued = 0;
  while (queued < SyslogSocket::kBatch + 5 &&
         sendto(sender.Get(), "<13>x: y", 8, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&addr),
                sizeof addr) == 8) {
    ++queued;
  }
  ASSERT_GT(queued, 0u);
  size_t first = std::min(queued, SyslogSocket::kBatch);
  EXPECT_EQ(sock->Receive().size(), first);
  EXPECT_EQ(sock->Receive().size(), queued - first);
}

TEST_F(SyslogSocketTest, PassedFdsAreClosed) {
  auto sock = SyslogSocket::Open(path_);
  ASSERT_TRUE(sock.Ok());
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  Send("<13>x: with an fd", fds[0]);
  close(fds[0]);
  close(fds[1]);
  int before = OpenFdCount();
  ASSERT_EQ(sock->Receive().size(), 1u);
  EXPECT_EQ(OpenFdCount(), before);
}

TEST_F(SyslogSocketTest, ALiveSocketIsNotTakenAndAStaleOneIs) {
  auto first = SyslogSocket::Open(path_);
  ASSERT_TRUE(first.Ok());
  auto second = SyslogSocket::Open(path_);
  ASSERT_FALSE(second.Ok());
  EXPECT_NE(second.Err().Describe().find("another process is bound to " + path_), std::string::npos)
      << second.Err().Describe();
  Send("<13>x: still the first's");
  EXPECT_EQ(first->Receive().size(), 1u);
  // A socket whose owner is gone (its fd closed, the file left) is replaced.
  base::UniqueFd stale(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  std::string other = dir_ + "/stale";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, other.c_str(), other.size() + 1);
  ASSERT_EQ(bind(stale.Get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  stale.Reset();
  {
    auto replaced = SyslogSocket::Open(other);
    EXPECT_TRUE(replaced.Ok()) << replaced.Err().Describe();
  }
  EXPECT_NE(access(other.c_str(), F_OK), 0);  // and removed with it
}

TEST_F(SyslogSocketTest, AFileThatIsNoSocketIsLeftAlone) {
  int fd = open(path_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  close(fd);
  auto sock = SyslogSocket::Open(path_);
  ASSERT_FALSE(sock.Ok());
  EXPECT_NE(sock.Err().Describe().find("is not a socket"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
}

TEST_F(SyslogSocketTest, OnlyItsOwnFileIsRemovedAtTheEnd) {
  {
    auto sock = SyslogSocket::Open(path_);
    ASSERT_TRUE(sock.Ok());
  }
  struct stat st {};
  EXPECT_NE(lstat(path_.c_str(), &st), 0);  // gone with its socket
  std::optional<SyslogSocket> first;
  {
    auto sock = SyslogSocket::Open(path_);
    ASSERT_TRUE(sock.Ok());
    first = std::move(*sock);
  }
  // Someone replaced the file meanwhile: theirs stays.
  unlink(path_.c_str());
  int fd = open(path_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  close(fd);
  first.reset();
  EXPECT_EQ(lstat(path_.c_str(), &st), 0);
}

}  // namespace
}  // namespace os
