#include "app/held_sockets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>

#include "os/tcp_listen.h"

namespace app {
namespace {

spec::SocketSpec Tcp(int port) {
  spec::SocketSpec s;
  s.ip.host = "127.0.0.1";
  s.ip.port = port;
  return s;
}

spec::ServiceSpec Service(const std::string& name, std::vector<spec::SocketSpec> listen) {
  spec::ServiceSpec s;
  s.name = name;
  s.listen = std::move(listen);
  return s;
}

ino_t Inode(int fd) {
  struct stat st {};
  EXPECT_EQ(fstat(fd, &st), 0);
  return st.st_ino;
}

// Port 0 (the kernel picks) stands for an address nobody holds yet.
TEST(HeldSockets, KeepsWhatStaysBindsWhatIsAddedClosesTheRest) {
  HeldSockets held;
  ASSERT_TRUE(held.Hold({Service("web", {Tcp(0)})}));
  std::vector<int> fds = held.Fds("web");
  ASSERT_EQ(fds.size(), 1u);
  spec::SocketSpec a = Tcp(0);
  a.ip.host = "127.0.0.2";  // another spelling of the port would not bind while it is held
  ASSERT_TRUE(held.Hold({Service("web", {a})}));  // the first dropped, a bound
  ino_t a_inode = Inode(held.Fds("web")[0]);

  spec::SocketSpec b = Tcp(0);
  b.name = "extra";
  ASSERT_TRUE(held.Hold({Service("web", {a, b}), Service("other", {})}));
  fds = held.Fds("web");
  ASSERT_EQ(fds.size(), 2u);
  EXPECT_EQ(Inode(fds[0]), a_inode);  // the same socket, not a new bind
  os::SpawnRequest req;
  held.PassTo("web", req);
  EXPECT_EQ(req.listen_fds, fds);
  EXPECT_NE(std::find(req.env.begin(), req.env.end(), "LISTEN_FDS=2"), req.env.end());
  EXPECT_NE(std::find(req.env.begin(), req.env.end(), "LISTEN_FDNAMES=web:extra"), req.env.end());
  EXPECT_TRUE(held.Fds("other").empty());
}

TEST(HeldSockets, AnAddressThatDoesNotBindChangesNothing) {
  HeldSockets held;
  ASSERT_TRUE(held.Hold({Service("web", {Tcp(0)})}));
  int fd = held.Fds("web")[0];
  ino_t inode = Inode(fd);
  spec::SocketSpec taken = Tcp(*os::BoundPort(fd));
  // Another service asking for the held address binds it anew: refused.
  auto st = held.Hold({Service("db", {Tcp(0)}), Service("web2", {taken})});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.Err().err, EADDRINUSE);
  EXPECT_NE(st.Err().what.find("service 'web2': listen tcp://127.0.0.1:"), std::string::npos)
      << st.Err().what;
  ASSERT_EQ(held.Fds("web").size(), 1u);
  EXPECT_EQ(Inode(held.Fds("web")[0]), inode);
  EXPECT_TRUE(held.Fds("db").empty());
}

TEST(HeldSockets, CheckReportsWhatCannotBind) {
  HeldSockets held;
  ASSERT_TRUE(held.Hold({Service("web", {Tcp(0)})}));
  spec::SocketSpec taken = Tcp(*os::BoundPort(held.Fds("web")[0]));
  std::vector<std::string> errors = HeldSockets::Unbindable({Service("x", {taken, Tcp(0)})});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("service 'x': 'listen': cannot bind: listen tcp://127.0.0.1:"),
            std::string::npos)
      << errors[0];
}

spec::ServiceSpec Instance(int k, std::vector<spec::SocketSpec> listen) {
  spec::ServiceSpec s = Service("w-" + std::to_string(k), std::move(listen));
  s.group = "w";
  s.instance = k;
  return s;
}

TEST(HeldSockets, TheInstancesOfAGroupShareItsSockets) {
  HeldSockets held;
  ASSERT_TRUE(held.Hold({Instance(1, {Tcp(0)}), Instance(2, {Tcp(0)})}));
  ASSERT_EQ(held.Fds("w-1").size(), 1u);
  EXPECT_EQ(held.Fds("w-1"), held.Fds("w-2"));  // bound once
  ino_t inode = Inode(held.Fds("w-1")[0]);
  os::SpawnRequest req;
  held.PassTo("w-2", req);
  EXPECT_NE(std::find(req.env.begin(), req.env.end(), "LISTEN_FDNAMES=w"), req.env.end());
  // A third instance added by a reload gets the same socket; none is rebound.
  ASSERT_TRUE(held.Hold({Instance(1, {Tcp(0)}), Instance(2, {Tcp(0)}), Instance(3, {Tcp(0)})}));
  for (const char* name : {"w-1", "w-2", "w-3"}) {
    ASSERT_EQ(held.Fds(name).size(), 1u) << name;
    EXPECT_EQ(Inode(held.Fds(name)[0]), inode) << name;
  }
  spec::SocketSpec taken = Tcp(*os::BoundPort(held.Fds("w-1")[0]));
  EXPECT_EQ(HeldSockets::Unbindable({Instance(1, {taken}), Instance(2, {taken})}).size(), 1u);
}

}  // namespace
}  // namespace app
