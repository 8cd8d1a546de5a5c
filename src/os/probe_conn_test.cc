#include "os/probe_conn.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "os/epoll.h"

namespace os {
namespace {

using Outcome = ProbeConn::Outcome;

// A listening TCP socket on 127.0.0.1 and an ephemeral port. The kernel
// completes the handshake from the backlog, so the test can drive the probe
// and accept in one thread.
struct Server {
  base::UniqueFd listener;
  int port = 0;

  static Server Listen() {
    Server s;
    s.listener.Reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(bind(s.listener.Get(), reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(listen(s.listener.Get(), 8), 0);
    EXPECT_EQ(getsockname(s.listener.Get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
    s.port = ntohs(addr.sin_port);
    return s;
  }

  base::UniqueFd Accept() {
    return base::UniqueFd(accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
  }
};

spec::ProbeTarget Target(int port, std::string path = "") {
  return spec::ProbeTarget{"127.0.0.1", port,
                           path.empty() ? "" : "127.0.0.1:" + std::to_string(port), path};
}

// Drives the probe through epoll as the event loop would, until it is done
// or nothing happens for a while (then still kPending).
Outcome Drive(ProbeConn& conn, int timeout_ms = 2000) {
  auto ep = Epoll::Create();
  EXPECT_TRUE(ep.Ok());
  Outcome o = Outcome::kPending;
  auto watch =
      ep->Add(conn.fd(), conn.WantEvents(), [&](uint32_t events) { o = conn.OnEvents(events); });
  EXPECT_TRUE(watch.Ok());
  while (true) {
    auto n = ep->Dispatch(timeout_ms);
    EXPECT_TRUE(n.Ok());
    if (*n == 0) return Outcome::kPending;
    if (o != Outcome::kPending) return o;
    EXPECT_TRUE(watch->Modify(conn.WantEvents()).Ok());
  }
}

// Starts an HTTP probe and drives it until the request is sent.
ProbeConn StartHttp(const Server& server, std::string path = "/healthz") {
  auto conn = ProbeConn::Start(Target(server.port, path), true);
  EXPECT_TRUE(conn.Ok()) << conn.Err().Describe();
  EXPECT_EQ(Drive(*conn, 100), Outcome::kPending);
  EXPECT_EQ(conn->WantEvents(), static_cast<uint32_t>(EPOLLIN));
  return std::move(*conn);
}

std::string ReadRequest(int fd) {
  std::string request;
  char buf[1024];
  while (request.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
  }
  return request;
}

void Write(int fd, std::string_view text) {
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

// Serves one request with `response` and returns the request seen.
std::string Answer(Server& server, ProbeConn& conn, std::string_view response, Outcome expected) {
  base::UniqueFd peer = server.Accept();
  std::string request = ReadRequest(peer.Get());
  Write(peer.Get(), response);
  EXPECT_EQ(Drive(conn), expected) << conn.detail();
  return request;
}

TEST(ProbeConn, TcpHealthyOnceConnected) {
  Server server = Server::Listen();
  auto conn = ProbeConn::Start(Target(server.port), false);
  ASSERT_TRUE(conn.Ok());
  EXPECT_EQ(conn->WantEvents(), static_cast<uint32_t>(EPOLLOUT));
  EXPECT_EQ(Drive(*conn), Outcome::kHealthy);
  EXPECT_EQ(conn->detail(), "connected");
  EXPECT_EQ(conn->WantEvents(), 0u);
  EXPECT_EQ(conn->OnEvents(0), Outcome::kHealthy);  // done stays done
}

TEST(ProbeConn, TcpRefusedWhenNothingListens) {
  int port = Server::Listen().port;  // bound, then closed: nobody listens there now
  auto conn = ProbeConn::Start(Target(port), false);
  ASSERT_TRUE(conn.Ok());
  EXPECT_EQ(Drive(*conn), Outcome::kUnhealthy);
  EXPECT_EQ(conn->detail(), "connection refused");
}

TEST(ProbeConn, HttpRefusedToo) {
  int port = Server::Listen().port;
  auto conn = ProbeConn::Start(Target(port, "/"), true);
  ASSERT_TRUE(conn.Ok());
  EXPECT_EQ(Drive(*conn), Outcome::kUnhealthy);
  EXPECT_EQ(conn->detail(), "connection refused");
}

TEST(ProbeConn, NonNumericHostIsAnError) {
  auto conn = ProbeConn::Start(spec::ProbeTarget{"localhost", 80, "", ""}, false);
  ASSERT_FALSE(conn.Ok());
  EXPECT_NE(conn.Err().Describe().find("not numeric"), std::string::npos);
}

TEST(ProbeConn, Http200IsHealthyAndTheRequestIsWellFormed) {
  Server server = Server::Listen();
  ProbeConn conn = StartHttp(server, "/healthz?full=1");
  std::string request =
      Answer(server, conn, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", Outcome::kHealthy);
  EXPECT_EQ(conn.detail(), "HTTP 200");
  EXPECT_EQ(request,
            "GET /healthz?full=1 HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port) +
                "\r\nUser-Agent: tend-probe\r\nConnection: close\r\nAccept: */*\r\n\r\n");
}

TEST(ProbeConn, Http503IsUnhealthy) {
  Server server = Server::Listen();
  ProbeConn conn = StartHttp(server);
  Answer(server, conn, "HTTP/1.1 503 Service Unavailable\r\n\r\n", Outcome::kUnhealthy);
  EXPECT_EQ(conn.detail(), "HTTP 503");
}

TEST(ProbeConn, Http302IsHealthyLikeKubernetes) {
  Server server = Server::Listen();
  ProbeConn conn = StartHttp(server);
  Answer(server, conn, "HTTP/1.0 302 Found\r\nLocation: /login\r\n\r\n", Outcome::kHealthy);
  EXPECT_EQ(conn.detail(), "HTTP 302");
}

TEST(ProbeConn, EarlyHintsAreSkipped) {
  Server server = Server::Listen();
  ProbeConn conn = StartHttp(server);
  Answer(server, conn,
         "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 500 Oops\r\n\r\n",
         Outcome::kUnhealthy);
  EXPECT_EQ(conn.detail(), "HTTP 500");
}

TEST(ProbeConn, ServerClosingWithoutAnswerIsUnhealthy) {
  Server server = Server::Listen();
  ProbeConn conn = StartHttp(server);
  server.Accept().Reset();
  Outcome o = Drive(conn);
  EXPECT_EQ(o, Outcome::kUnhealthy);
  // Closing with the request unread makes the kernel send a reset.
  EXPECT_TRUE(conn.detail() == "closed before a status line" ||
              conn.detail() == "connection reset by peer")
      << conn.detail();
}

TEST(ProbeConn, ServerClosingAfterReadingIsClosedBeforeAStatusLine) {
  Server server = Server::Listen();
  ProbeConn conn = StartHttp(server);
  base::UniqueFd peer = server.Accept();
  ReadRequest(peer.Get());
  peer.Reset();
  EXPECT_EQ(Drive(conn), Outcome::kUnhealthy);
  EXPECT_EQ(conn.detail(), "closed before a status line");
}

TEST(ProbeConn, AnswerInTinyChunks) {
  Server server = Server::Listen();
  ProbeConn conn = StartHttp(server);
  base::UniqueFd peer = server.Accept();
  ReadRequest(peer.Get());
  std::string_view response = "HTTP/1.1 204 No Content\r\n\r\n";
  for (size_t i = 0; i + 1 < response.find('\n'); ++i) {
    Write(peer.Get(), response.substr(i, 1));
    EXPECT_EQ(Drive(conn, 20), Outcome::kPending) << "after " << response.substr(0, i + 1);
  }
  Write(peer.Get(), "\n");
  EXPECT_EQ(Drive(conn), Outcome::kHealthy);
  EXPECT_EQ(conn.detail(), "HTTP 204");
}

TEST(ProbeConn, GarbageIsMalformed) {
  Server server = Server::Listen();
  ProbeConn conn = StartHttp(server);
  Answer(server, conn, "SSH-2.0-OpenSSH_9.6\r\n", Outcome::kUnhealthy);
  EXPECT_EQ(conn.detail(), "HTTP response malformed");
}

TEST(ProbeConn, NoStatusLineInFourKibIsMalformed) {
  Server server = Server::Listen();
  ProbeConn conn = StartHttp(server);
  Answer(server, conn, std::string(5000, 'x'), Outcome::kUnhealthy);
  EXPECT_EQ(conn.detail(), "HTTP response malformed: no status line in the first 4 KiB");
}

TEST(ProbeConn, StatusLineCutByCloseStillCounts) {
  Server server = Server::Listen();
  ProbeConn conn = StartHttp(server);
  base::UniqueFd peer = server.Accept();
  ReadRequest(peer.Get());
  Write(peer.Get(), "HTTP/1.0 200 OK");
  peer.Reset();
  EXPECT_EQ(Drive(conn), Outcome::kHealthy);
}

TEST(ProbeConn, Ipv6Loopback) {
  base::UniqueFd listener(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  socklen_t len = sizeof addr;
  if (!listener || bind(listener.Get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  ASSERT_EQ(listen(listener.Get(), 1), 0);
  ASSERT_EQ(getsockname(listener.Get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto conn = ProbeConn::Start(spec::ProbeTarget{"::1", ntohs(addr.sin6_port), "", ""}, false);
  ASSERT_TRUE(conn.Ok());
  EXPECT_EQ(Drive(*conn), Outcome::kHealthy);
}

TEST(ProbeStatusLine, Parses) {
  EXPECT_EQ(ParseStatusLine("HTTP/1.1 200 OK"), 200);
  EXPECT_EQ(ParseStatusLine("HTTP/1.1 200 OK\r\n"), 200);
  EXPECT_EQ(ParseStatusLine("HTTP/1.0 404 Not Found\n"), 404);
  EXPECT_EQ(ParseStatusLine("HTTP/1.1 204"), 204);
  EXPECT_EQ(ParseStatusLine("HTTP/1.1 204 "), 204);
  EXPECT_EQ(ParseStatusLine("HTTP/2 599 x y z"), 599);
}

TEST(ProbeStatusLine, RejectsMalformed) {
  for (const char* line :
       {"", "HTTP/1.1", "HTTP/1.1 ", "HTTP/1.1 20", "HTTP/1.1 2000", "HTTP/1.1 099 x",
        "HTTP/1.1 600 x", "HTTP/1.1 2x0", "HTTP/x.1 200", "HTTP/11 200", "HTTP/1.1  200",
        "http/1.1 200 OK", "ICY 200 OK", "HTTP/1.1 -20"}) {
    EXPECT_FALSE(ParseStatusLine(line)) << line;
  }
}

TEST(ProbeStatusLine, FinalStatusWaitsForAWholeLine) {
  EXPECT_EQ(FinalStatus(""), kNeedMore);
  EXPECT_EQ(FinalStatus("HTTP/1.1 200 OK"), kNeedMore);
  EXPECT_EQ(FinalStatus("HTTP/1.1 200 OK\r\n"), 200);
  EXPECT_EQ(FinalStatus("nonsense\n"), kMalformed);
  EXPECT_EQ(FinalStatus("HTTP/1.1 100 Continue\r\n"), kNeedMore);
  EXPECT_EQ(FinalStatus("HTTP/1.1 100 Continue\r\n\r\n"), kNeedMore);
  EXPECT_EQ(FinalStatus("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 301 Moved\r\n"), 301);
  EXPECT_EQ(FinalStatus("HTTP/1.1 101 Switching\r\n\r\n"), 101);
}

}  // namespace
}  // namespace os
