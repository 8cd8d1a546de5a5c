#include "http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "os/tcp_listen.h"

namespace http {
namespace {

using namespace std::chrono_literals;

Response Handle(const Request& r) {
  if (r.path == "/healthz") return Response{200, "text/plain", "ok\n", {}};
  if (r.path == "/big") return Response{200, "text/plain", std::string(16 << 20, 'x'), {}};
  if (r.path == "/events") {
    Response e{200, "text/event-stream", ": hello\n\n", {}};
    e.stream = true;
    e.topic = r.query;
    return e;
  }
  return TextError(404);
}

// A server on 127.0.0.1:<free port>, and the loop driven by hand as tend's
// runner does: wait and dispatch, then Poll for deadlines.
class HttpServer : public ::testing::Test {
 protected:
  void Start(ServerConfig config = {}) {
    auto epoll = os::Epoll::Create();
    ASSERT_TRUE(epoll);
    epoll_.emplace(std::move(*epoll));
    server_ = std::make_unique<Server>(*epoll_, std::move(config), Handle);
    auto fd = os::ListenTcp(os::ListenAddress{"127.0.0.1", false, 0});
    ASSERT_TRUE(fd) << fd.Err().Describe();
    ASSERT_TRUE(server_->Listen(std::move(*fd)));
    port_ = server_->Port().value_or(0);
    ASSERT_GT(port_, 0);
  }

  void Step(int max_ms = 10) {
    int timeout = max_ms;
    if (auto next = server_->NextDeadline()) {
      auto until = std::chrono::ceil<std::chrono::milliseconds>(*next - base::Clock::now());
      timeout = std::clamp(static_cast<int>(until.count()), 0, max_ms);
    }
    ASSERT_TRUE(epoll_->Dispatch(timeout));
    server_->Poll(base::Clock::now());
  }

  base::UniqueFd Connect() {
    base::UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // Completes against the listen backlog, before the server accepts.
    EXPECT_EQ(connect(fd.Get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    fcntl(fd.Get(), F_SETFL, O_NONBLOCK);
    return fd;
  }

  // Sends all of `data`, running the loop while the socket is full.
  void SendAll(int fd, std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0)
        data.remove_prefix(static_cast<size_t>(n));
      else if (n < 0 && errno == EAGAIN)
        Step(1);
      else
        return;  // the server hung up (e.g. after a 431): fine
    }
  }

  // What the client receives until the server closes, running the loop;
  // nullopt if the connection is still open after `max`.
  std::optional<std::string> ReadToClose(int fd, base::Duration max = 3s) {
    std::string got;
    for (auto end = base::Clock::now() + max; base::Clock::now() < end;) {
      Step();
      char buf[65536];
      for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0)
          got.append(buf, static_cast<size_t>(n));
        else if (n < 0 && errno == EAGAIN)
          break;
        else
          return got;  // EOF or reset
      }
    }
    return std::nullopt;
  }

  std::string Exchange(std::string_view request) {
    base::UniqueFd c = Connect();
    SendAll(c.Get(), request);
    return ReadToClose(c.Get()).value_or("<still open>");
  }

  void RunFor(base::Duration d) {
    for (auto end = base::Clock::now() + d; base::Clock::now() < end;) Step();
  }

  std::optional<os::Epoll> epoll_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

bool StartsWith(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

TEST_F(HttpServer, AnswersGet) {
  Start();
  std::string reply = Exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(StartsWith(reply, "HTTP/1.1 200 OK\r\n")) << reply;
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(reply.substr(reply.size() - 7), "\r\n\r\nok\n");
  EXPECT_TRUE(StartsWith(Exchange("GET /nope HTTP/1.0\r\n\r\n"), "HTTP/1.1 404 Not Found\r\n"));
  EXPECT_EQ(server_->stats().answered, 2u);
}

TEST_F(HttpServer, HeadHasNoBody) {
  Start();
  std::string reply = Exchange("HEAD /healthz HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(StartsWith(reply, "HTTP/1.1 200 OK\r\n")) << reply;
  EXPECT_NE(reply.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_EQ(reply.substr(reply.size() - 4), "\r\n\r\n");
}

TEST_F(HttpServer, OtherMethodsGet405) {
  Start();
  std::string reply = Exchange("POST /healthz HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_TRUE(StartsWith(reply, "HTTP/1.1 405 Method Not Allowed\r\n")) << reply;
  EXPECT_NE(reply.find("Allow: GET, HEAD\r\n"), std::string::npos);
}

TEST_F(HttpServer, GarbageGets400) {
  Start();
  EXPECT_TRUE(StartsWith(Exchange("hello garbage\r\n\r\n"), "HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_TRUE(StartsWith(Exchange(std::string("\x16\x03\x01\x00\xa5", 5)), "HTTP/1.1 400"));
}

TEST_F(HttpServer, HugeHeaderGets431) {
  Start();
  std::string reply =
      Exchange("GET / HTTP/1.1\r\nX-Big: " + std::string(20 * 1024, 'a') + "\r\n\r\n");
  EXPECT_TRUE(StartsWith(reply, "HTTP/1.1 431 Request Header Fields Too Large\r\n")) << reply;
  std::string long_uri = Exchange("GET /" + std::string(3000, 'a') + " HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(StartsWith(long_uri, "HTTP/1.1 414 URI Too Long\r\n")) << long_uri;
}

TEST_F(HttpServer, AnswersARequestFollowedByHalfClose) {
  Start();
  base::UniqueFd c = Connect();
  SendAll(c.Get(), "GET /healthz HTTP/1.1\r\n\r\n");
  shutdown(c.Get(), SHUT_WR);
  EXPECT_TRUE(StartsWith(ReadToClose(c.Get()).value_or(""), "HTTP/1.1 200 OK"));
}

TEST_F(HttpServer, ForgetsAClientThatLeavesEarly) {
  Start();
  {
    base::UniqueFd c = Connect();
    SendAll(c.Get(), "GET /hea");
    RunFor(50ms);
    EXPECT_EQ(server_->ClientCount(), 1u);
  }
  RunFor(50ms);
  EXPECT_EQ(server_->ClientCount(), 0u);
  EXPECT_FALSE(server_->NextDeadline());
}

TEST_F(HttpServer, HalfARequestIsCutOffAtTheDeadlineWhileOthersAreServed) {
  ServerConfig config;
  config.request_timeout = 300ms;
  Start(config);
  base::TimePoint start = base::Clock::now();
  base::UniqueFd slow = Connect();
  SendAll(slow.Get(), "GET /healthz HTTP/1.1\r\nHo");
  RunFor(20ms);
  ASSERT_TRUE(server_->NextDeadline());
  EXPECT_LE(*server_->NextDeadline(), start + 300ms + 50ms);

  std::string reply = Exchange("GET /healthz HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(StartsWith(reply, "HTTP/1.1 200 OK")) << reply;
  EXPECT_LT(base::Clock::now() - start, 250ms);  // not made to wait for the slow one

  std::optional<std::string> cut = ReadToClose(slow.Get());
  ASSERT_TRUE(cut) << "the slow client was never dropped";
  EXPECT_TRUE(StartsWith(*cut, "HTTP/1.1 408 Request Timeout\r\n")) << *cut;
  EXPECT_GE(base::Clock::now() - start, 250ms);
  EXPECT_EQ(server_->stats().timed_out, 1u);
}

TEST_F(HttpServer, ATricklingClientIsDroppedAtTheDeadlineAnyway) {
  ServerConfig config;
  config.request_timeout = 300ms;
  Start(config);
  base::TimePoint start = base::Clock::now();
  base::UniqueFd slow = Connect();
  std::string request = "GET /healthz HTTP/1.1\r\nX-Slow: " + std::string(1000, 'a');
  bool closed = false;
  for (char ch : request) {
    if (send(slow.Get(), &ch, 1, MSG_NOSIGNAL) != 1) {
      closed = true;
      break;
    }
    RunFor(20ms);
    if (base::Clock::now() - start > 3s) break;
  }
  EXPECT_TRUE(closed || ReadToClose(slow.Get(), 100ms));
  EXPECT_EQ(server_->ClientCount(), 0u);
  base::Duration took = base::Clock::now() - start;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);
}

TEST_F(HttpServer, AnIdleClientDoesNotBlockOthers) {
  Start();
  base::UniqueFd idle = Connect();
  RunFor(20ms);
  EXPECT_TRUE(StartsWith(Exchange("GET /healthz HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 OK"));
  RunFor(20ms);                           // the served client lingers until it closes its end too
  EXPECT_EQ(server_->ClientCount(), 1u);  // the idle one waits for its deadline
}

TEST_F(HttpServer, ManyIdleConnectionsDoNotLockOutARealRequest) {
  Start();  // max_clients 64
  std::vector<base::UniqueFd> idle;
  for (int i = 0; i < 100; ++i) idle.push_back(Connect());
  for (int i = 0; i < 50 && server_->stats().accepted < 100; ++i) Step();
  EXPECT_EQ(server_->stats().accepted, 100u);
  EXPECT_EQ(server_->ClientCount(), 64u);
  EXPECT_EQ(server_->stats().evicted, 36u);
  EXPECT_TRUE(StartsWith(Exchange("GET /healthz HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 OK"));
  // The oldest were the ones let go.
  char byte;
  EXPECT_EQ(recv(idle.front().Get(), &byte, 1, MSG_DONTWAIT), 0);
  EXPECT_EQ(recv(idle.back().Get(), &byte, 1, MSG_DONTWAIT), -1);
}

TEST_F(HttpServer, AClientThatNeverReadsIsDroppedAtTheWriteDeadline) {
  ServerConfig config;
  config.write_timeout = 200ms;
  Start(config);
  base::UniqueFd c = Connect();
  SendAll(c.Get(), "GET /big HTTP/1.1\r\n\r\n");
  RunFor(100ms);
  EXPECT_EQ(server_->ClientCount(), 1u);  // 16 MiB do not fit the socket buffers
  RunFor(300ms);
  EXPECT_EQ(server_->ClientCount(), 0u);
  EXPECT_EQ(server_->stats().timed_out, 1u);
}

TEST_F(HttpServer, ListenReportsABadAddress) {
  auto epoll = os::Epoll::Create();
  ASSERT_TRUE(epoll);
  ServerConfig config;
  config.listen = "example.com:80";
  Server server(*epoll, config, Handle);
  base::Status st = server.Listen();
  ASSERT_FALSE(st);
  EXPECT_NE(st.Err().Describe().find("not a numeric IP"), std::string::npos);
  EXPECT_FALSE(server.Port());
}

// What a client has received so far, after running the loop a little.
std::string Received(HttpServer& /*loop*/, int fd) {
  std::string got;
  char buf[65536];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0;) {
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

TEST_F(HttpServer, AStreamStaysOpenAndGetsWhatIsPublishedForItsTopic) {
  Start();
  base::UniqueFd all = Connect(), web = Connect();
  SendAll(all.Get(), "GET /events HTTP/1.1\r\n\r\n");
  SendAll(web.Get(), "GET /events?web HTTP/1.1\r\n\r\n");
  RunFor(50ms);
  std::string head = Received(*this, all.Get());
  EXPECT_TRUE(StartsWith(head, "HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\n\r\n: hello\n\n"), std::string::npos) << head;
  Received(*this, web.Get());
  EXPECT_TRUE(server_->Streaming());
  server_->Publish("db", "", "data: 1\n\n");
  server_->Publish("web-1", "web", "data: 2\n\n");
  RunFor(50ms);
  EXPECT_EQ(Received(*this, all.Get()), "data: 1\n\ndata: 2\n\n");
  EXPECT_EQ(Received(*this, web.Get()), "data: 2\n\n");
  RunFor(100ms);
  EXPECT_FALSE(server_->NextDeadline().has_value());  // an idle stream needs no wake-up
  all.Reset();
  web.Reset();
  RunFor(50ms);
  EXPECT_FALSE(server_->Streaming());
}

TEST_F(HttpServer, StreamsAreCappedAndAStalledOneIsDropped) {
  ServerConfig config;
  config.max_streams = 2;
  config.max_stream_backlog = 64 * 1024;
  Start(config);
  std::vector<base::UniqueFd> clients;
  for (int k = 0; k < 3; ++k) {
    clients.push_back(Connect());
    SendAll(clients.back().Get(), "GET /events HTTP/1.1\r\n\r\n");
    RunFor(30ms);
  }
  EXPECT_TRUE(StartsWith(ReadToClose(clients[2].Get()).value_or(""), "HTTP/1.1 503"));
  // Nobody reads: the kernel's buffers fill, then the backlog bound drops them.
  std::string chunk = "data: " + std::string(4000, 'x') + "\n\n";
  for (int k = 0; k < 2000 && server_->Streaming(); ++k) {
    server_->Publish("", "", chunk);
    Step(0);
  }
  EXPECT_FALSE(server_->Streaming());
  // A normal request is still answered.
  EXPECT_TRUE(StartsWith(Exchange("GET /healthz HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 OK"));
}

}  // namespace
}  // namespace http
