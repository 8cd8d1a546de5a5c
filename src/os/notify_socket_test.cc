#include "os/notify_socket.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace os {
namespace {

std::string UniqueAbstractName() {
  static int counter = 0;
  return "@tend-test-notify-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

// Sends `text` the way sd_notify() does, optionally passing `fd` along.
void Notify(const std::string& name, std::string_view text, int fd = -1) {
  base::UniqueFd sock(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(sock);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.data(), name.size());
  if (name[0] == '@') addr.sun_path[0] = '\0';
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr msg{};
  msg.msg_name = &addr;
  msg.msg_namelen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
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

int OpenFdCount() {
  int count = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (readdir(dir)) ++count;
  closedir(dir);
  return count;
}

TEST(NotifySocket, AbstractSocketCarriesTheSendersCredentials) {
  std::string name = UniqueAbstractName();
  auto sock = NotifySocket::Open(name);
  ASSERT_TRUE(sock.Ok()) << sock.Err().Describe();
  EXPECT_EQ(sock->Name(), name);
  EXPECT_TRUE(sock->ReceiveAll().empty());
  Notify(name, "READY=1\nSTATUS=up");
  Notify(name, "WATCHDOG=1");
  std::vector<NotifyDatagram> got = sock->ReceiveAll();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].pid, getpid());
  EXPECT_EQ(got[0].uid, getuid());
  EXPECT_EQ(got[0].gid, getgid());
  EXPECT_EQ(got[0].text, "READY=1\nSTATUS=up");
  EXPECT_EQ(got[1].text, "WATCHDOG=1");
  EXPECT_TRUE(sock->ReceiveAll().empty());
}

TEST(NotifySocket, IsNonBlockingAndCloseOnExec) {
  auto sock = NotifySocket::Open(UniqueAbstractName());
  ASSERT_TRUE(sock.Ok());
  EXPECT_TRUE(fcntl(sock->fd(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(sock->fd(), F_GETFD) & FD_CLOEXEC);
}

TEST(NotifySocket, AbstractNameLengthIsExact) {
  // "@x" and "@xy" must be different sockets: a trailing NUL in the length
  // would make sd_notify() miss ours.
  std::string name = UniqueAbstractName();
  auto sock = NotifySocket::Open(name);
  ASSERT_TRUE(sock.Ok());
  auto longer = NotifySocket::Open(name + "y");
  ASSERT_TRUE(longer.Ok()) << longer.Err().Describe();
  Notify(name, "READY=1");
  EXPECT_EQ(sock->ReceiveAll().size(), 1u);
  EXPECT_TRUE(longer->ReceiveAll().empty());
}

TEST(NotifySocket, FilesystemSocketIsWritableByAll) {
  char dir[] = "/tmp/tend-notify-XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  std::string path = std::string(dir) + "/notify";
  {
    auto stale = NotifySocket::Open(path);
    ASSERT_TRUE(stale.Ok()) << stale.Err().Describe();
  }
  auto sock = NotifySocket::Open(path);  // replaces the one left behind
  ASSERT_TRUE(sock.Ok()) << sock.Err().Describe();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0666u);
  Notify(path, "READY=1");
  std::vector<NotifyDatagram> got = sock->ReceiveAll();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].pid, getpid());
  EXPECT_EQ(got[0].text, "READY=1");
  unlink(path.c_str());
  rmdir(dir);
}

TEST(NotifySocket, PassedFdsComeWithTheirDatagramAndCloseWithIt) {
  std::string name = UniqueAbstractName();
  auto sock = NotifySocket::Open(name);
  ASSERT_TRUE(sock.Ok());
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  Notify(name, "FDSTORE=1", fds[1]);
  close(fds[1]);
  int before = OpenFdCount();
  {
    std::vector<NotifyDatagram> got = sock->ReceiveAll();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].text, "FDSTORE=1");
    EXPECT_EQ(got[0].pid, getpid());
    ASSERT_EQ(got[0].fds.size(), 1u);
    EXPECT_EQ(OpenFdCount(), before + 1);
    EXPECT_TRUE(fcntl(got[0].fds[0].Get(), F_GETFD) & FD_CLOEXEC);
    ASSERT_EQ(write(got[0].fds[0].Get(), "x", 1), 1);  // the pipe's write end
    char c = 0;
    ASSERT_EQ(read(fds[0], &c, 1), 1);
    EXPECT_EQ(c, 'x');
  }
  EXPECT_EQ(OpenFdCount(), before);  // dropped with the datagram
  close(fds[0]);
}

TEST(NotifySocket, LongTextIsCut) {
  std::string name = UniqueAbstractName();
  auto sock = NotifySocket::Open(name);
  ASSERT_TRUE(sock.Ok());
  Notify(name, "STATUS=" + std::string(6000, 'x'));
  Notify(name, "");
  std::vector<NotifyDatagram> got = sock->ReceiveAll();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].text.size(), kMaxNotifyText);
  EXPECT_EQ(got[1].text, "");  // an empty datagram is a message, not the end
}

TEST(NotifySocket, ABatchIsBounded) {
  std::string name = UniqueAbstractName();
  auto sock = NotifySocket::Open(name);
  ASSERT_TRUE(sock.Ok());
  // The kernel queues only net.unix.max_dgram_qlen datagrams (10 by
  // default), so send without blocking and count what was taken.
  base::UniqueFd sender(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data() + 1, name.size() - 1);
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  size_t queued = 0;
  while (queued < NotifySocket::kMaxBatch + 3 &&
         sendto(sender.Get(), "WATCHDOG=1", 10, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&addr),
                len) == 10) {
    ++queued;
  }
  ASSERT_GT(queued, 0u);
  size_t first = std::min(queued, NotifySocket::kMaxBatch);
  EXPECT_EQ(sock->ReceiveAll().size(), first);
  EXPECT_EQ(sock->ReceiveAll().size(), queued - first);
}

TEST(NotifySocket, BadNamesAreErrors) {
  for (const char* bad : {"", "@", "relative/notify"}) {
    auto sock = NotifySocket::Open(bad);
    ASSERT_FALSE(sock.Ok()) << bad;
    EXPECT_NE(sock.Err().Describe().find("absolute path or @name"), std::string::npos);
  }
  EXPECT_FALSE(NotifySocket::Open("/" + std::string(200, 'x')).Ok());
  EXPECT_FALSE(NotifySocket::Open("/nonexistent-dir/notify").Ok());
}

}  // namespace
}  // namespace os
