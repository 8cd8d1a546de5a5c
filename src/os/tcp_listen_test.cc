#include "os/tcp_listen.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "os/acceptor.h"

namespace os {
namespace {

ListenAddress Parsed(const std::string& spec) {
  auto a = ParseListenAddress(spec);
  EXPECT_TRUE(a) << spec << ": " << a.Err().Describe();
  return a ? *a : ListenAddress{};
}

std::string ErrorOf(const std::string& spec) {
  auto a = ParseListenAddress(spec);
  EXPECT_FALSE(a) << spec;
  return a ? "" : a.Err().Describe();
}

TEST(TcpListenParse, AcceptsTheDocumentedForms) {
  EXPECT_EQ(FormatListenAddress(Parsed("9001")), "*:9001");
  EXPECT_EQ(FormatListenAddress(Parsed(":9001")), "*:9001");
  EXPECT_EQ(FormatListenAddress(Parsed("*:80")), "*:80");
  EXPECT_EQ(FormatListenAddress(Parsed("127.0.0.1:9001")), "127.0.0.1:9001");
  EXPECT_EQ(FormatListenAddress(Parsed("localhost:9001")), "127.0.0.1:9001");
  EXPECT_EQ(FormatListenAddress(Parsed("0.0.0.0:65535")), "0.0.0.0:65535");
  ListenAddress v6 = Parsed("[::1]:9001");
  EXPECT_TRUE(v6.ipv6);
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(FormatListenAddress(v6), "[::1]:9001");
  EXPECT_EQ(Parsed("[::]:1").port, 1);
  EXPECT_EQ(Parsed("09001").port, 9001);
}

TEST(TcpListenParse, ExplainsWhatIsWrong) {
  EXPECT_EQ(ErrorOf("99999"), "http_listen: port 99999 out of range (1-65535)");
  EXPECT_EQ(ErrorOf("127.0.0.1:0"), "http_listen: port 0 out of range (1-65535)");
  EXPECT_EQ(ErrorOf(":99999999999999999999"),
            "http_listen: port 99999999999999999999 out of range (1-65535)");
  EXPECT_NE(ErrorOf("").find("empty address"), std::string::npos);
  EXPECT_NE(ErrorOf("127.0.0.1").find("missing port in '127.0.0.1'"), std::string::npos);
  EXPECT_NE(ErrorOf("localhost:").find("missing port"), std::string::npos);
  EXPECT_NE(ErrorOf(":http").find("port 'http' is not a number"), std::string::npos);
  EXPECT_NE(ErrorOf(":-1").find("is not a number"), std::string::npos);
  EXPECT_NE(ErrorOf("example.com:80")
                .find("host 'example.com' is not a numeric IP address "
                      "(tend does not resolve names"),
            std::string::npos);
  EXPECT_NE(ErrorOf("256.0.0.1:80").find("not a numeric IP"), std::string::npos);
  EXPECT_NE(ErrorOf("::1:9001").find("must be in brackets"), std::string::npos);
  EXPECT_NE(ErrorOf("[::1:9001").find("missing ']'"), std::string::npos);
  EXPECT_NE(ErrorOf("[::1]9001").find("missing ':PORT'"), std::string::npos);
  EXPECT_NE(ErrorOf("[::1]").find("missing ':PORT'"), std::string::npos);
  EXPECT_NE(ErrorOf("[1.2.3.4]:80").find("not a numeric IPv6"), std::string::npos);
  EXPECT_NE(ErrorOf("a\nb:1").find("'a\\nb'"), std::string::npos);  // stays on one line
}

TEST(TcpListen, BindsPortZeroAndReportsThePort) {
  auto fd = ListenTcp(ListenAddress{"127.0.0.1", false, 0});
  ASSERT_TRUE(fd) << fd.Err().Describe();
  auto port = BoundPort(fd->Get());
  ASSERT_TRUE(port);
  EXPECT_GT(*port, 0);
  EXPECT_TRUE(fcntl(fd->Get(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(fd->Get(), F_GETFD) & FD_CLOEXEC);

  auto none = Accept(fd->Get());
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);  // nobody waiting: no fd, no error

  base::UniqueFd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(*port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(client.Get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  auto accepted = Accept(fd->Get());
  ASSERT_TRUE(accepted);
  ASSERT_TRUE(*accepted);
  EXPECT_TRUE(fcntl(accepted->Get(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(accepted->Get(), F_GETFD) & FD_CLOEXEC);
}

TEST(TcpListen, AllInterfacesServesIpv4) {
  auto fd = ListenTcp(ListenAddress{"", false, 0});
  ASSERT_TRUE(fd) << fd.Err().Describe();
  auto port = BoundPort(fd->Get());
  ASSERT_TRUE(port);
  base::UniqueFd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(*port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(client.Get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
}

TEST(TcpListen, ReportsAPortInUse) {
  auto first = ListenTcp(ListenAddress{"127.0.0.1", false, 0});
  ASSERT_TRUE(first);
  int port = BoundPort(first->Get()).Value();
  auto second = ListenTcp("127.0.0.1:" + std::to_string(port));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.Err().err, EADDRINUSE);
  EXPECT_NE(second.Err().Describe().find("bind 127.0.0.1:" + std::to_string(port)),
            std::string::npos);
}

}  // namespace
}  // namespace os
