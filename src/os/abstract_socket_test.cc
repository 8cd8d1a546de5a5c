#include "os/abstract_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <regex>

#include "os/unix_socket.h"

namespace os {
namespace {

TEST(AbstractSocket, NameIsThisPidAndMountNamespaces) {
  auto name = ControlFallbackName();
  ASSERT_TRUE(name);
  ASSERT_TRUE(IsAbstract(*name));
  EXPECT_TRUE(std::regex_match(Display(*name), std::regex(R"(@tend\.control\.\d+\.\d+)")))
      << Display(*name);
  EXPECT_EQ(ControlFallbackName(), name);  // the same wherever it is asked in one container
  EXPECT_FALSE(IsAbstract("/run/tend.sock"));
  EXPECT_EQ(Display("/run/tend.sock"), "/run/tend.sock");
}

TEST(AbstractSocket, ListensAndIsNeverTakenOver) {
  std::string name = std::string(1, '\0') + "tend.test." + std::to_string(getpid());
  auto first = ListenAbstract(name);
  ASSERT_TRUE(first) << first.Err().Describe();
  auto second = ListenAbstract(name);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.Err().err, EADDRINUSE);
  EXPECT_NE(second.Err().what.find("is taken by another process"), std::string::npos);
  auto client = ConnectUnix(name);
  ASSERT_TRUE(client) << client.Err().Describe();
  auto peer = PeerCredentials(client->Get());
  ASSERT_TRUE(peer);
  EXPECT_EQ(peer->pid, getpid());
  // Gone with its fd: nothing stale to clear, the name is free again.
  first = base::Error{"closed"};
  client = base::Error{"closed"};
  EXPECT_TRUE(ListenAbstract(name));
}

TEST(AbstractSocket, RefusesPathsAndOverlongNames) {
  EXPECT_FALSE(ListenAbstract("/tmp/x.sock"));
  EXPECT_FALSE(ListenAbstract(std::string(1, '\0') + std::string(200, 'x')));
  EXPECT_FALSE(ConnectUnix(std::string(1, '\0') + "tend.test.nobody.listens"));
}

}  // namespace
}  // namespace os
