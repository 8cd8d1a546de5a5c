#include "config/socket_spec.h"

#include <gtest/gtest.h>

namespace spec {
namespace {

std::string Canonical(const std::string& text) {
  auto s = ParseSocketAddress(text);
  return s ? s->Address() : "error: " + s.Err().what;
}

TEST(SocketSpec, Forms) {
  EXPECT_EQ(Canonical("tcp://127.0.0.1:80"), "tcp://127.0.0.1:80");
  EXPECT_EQ(Canonical("tcp://[::1]:8080"), "tcp://[::1]:8080");
  EXPECT_EQ(Canonical("tcp://:80"), "tcp://*:80");
  EXPECT_EQ(Canonical("tcp://*:80"), "tcp://*:80");
  EXPECT_EQ(Canonical("tcp://localhost:80"), "tcp://127.0.0.1:80");
  EXPECT_EQ(Canonical("udp://0.0.0.0:53"), "udp://0.0.0.0:53");
  EXPECT_EQ(Canonical("unix:/run/app.sock"), "unix:/run/app.sock");
  EXPECT_EQ(Canonical("unix:///run/app.sock"), "unix:/run/app.sock");
}

TEST(SocketSpec, KindsAndFields) {
  auto udp = ParseSocketAddress("udp://[::1]:53");
  ASSERT_TRUE(udp);
  EXPECT_EQ(udp->kind, SocketSpec::Kind::kUdp);
  EXPECT_TRUE(udp->ip.ipv6);
  EXPECT_EQ(udp->ip.port, 53);
  auto unix_socket = ParseSocketAddress("unix:/run/a.sock");
  ASSERT_TRUE(unix_socket);
  EXPECT_EQ(unix_socket->kind, SocketSpec::Kind::kUnix);
  EXPECT_EQ(unix_socket->path, "/run/a.sock");
}

TEST(SocketSpec, ErrorsSayWhatIsWrong) {
  EXPECT_EQ(Canonical("tcp://1.2.3.4:99999"),
            "error: 'tcp://1.2.3.4:99999': port 99999 out of range (1-65535)");
  EXPECT_NE(Canonical("tcp://1.2.3.4").find("missing ':PORT'"), std::string::npos);
  EXPECT_NE(Canonical("tcp://80").find("missing ':PORT'"), std::string::npos);
  EXPECT_NE(Canonical("tcp://example.com:80").find("numeric"), std::string::npos);
  EXPECT_NE(Canonical("http://1.2.3.4:80").find("not an address"), std::string::npos);
  EXPECT_NE(Canonical("").find("not an address"), std::string::npos);
  EXPECT_NE(Canonical("unix:run/a.sock").find("absolute"), std::string::npos);
  EXPECT_NE(Canonical("unix:/run/").find("directory"), std::string::npos);
  EXPECT_NE(Canonical("unix:/" + std::string(200, 'a')).find("at most 107"), std::string::npos);
  EXPECT_TRUE(ParseSocketAddress("unix:/" + std::string(106, 'a')));
}

TEST(SocketSpec, Modes) {
  EXPECT_EQ(ParseSocketMode("0660"), mode_t{0660});
  EXPECT_EQ(ParseSocketMode("600"), mode_t{0600});
  EXPECT_FALSE(ParseSocketMode(""));
  EXPECT_FALSE(ParseSocketMode("0999"));
  EXPECT_FALSE(ParseSocketMode("07777"));
  EXPECT_FALSE(ParseSocketMode("rw"));
}

}  // namespace
}  // namespace spec
