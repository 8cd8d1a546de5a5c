#include "ctl/server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "os/timer_fd.h"
#include "os/unix_socket.h"

namespace ctl {
namespace {

using namespace std::chrono_literals;

// A control server on a socket in a temporary directory, with its loop
// driven by hand as tend's runner does.
class CtlServer : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tend-ctl-test-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    dir_ = tmpl;
    path_ = dir_ + "/tend.sock";
  }
  void TearDown() override {
    server_.reset();
    unlink(path_.c_str());
    unlink((dir_ + "/precious.txt").c_str());
    rmdir(dir_.c_str());
  }

  void Start(ServerConfig config = {}) {
    auto epoll = os::Epoll::Create();
    ASSERT_TRUE(epoll);
    epoll_.emplace(std::move(*epoll));
    config.path = path_;
    Host host;
    host.handle = [](const Request&) { return std::string("{\"v\":1,\"ok\":true}\n"); };
    host.not_ready = [](const std::vector<std::string>&, std::string*) { return std::string(); };
    host.recent = [this](const std::string&, int n) {
      return std::optional<std::vector<std::string>>(
          std::vector<std::string>(static_cast<size_t>(n), line_));
    };
    host.log = [this](const std::string& text) { logged_.push_back(text); };
    server_ = std::make_unique<Server>(*epoll_, config, host);
    base::Status st = server_->Listen();
    ASSERT_TRUE(st) << st.Err().Describe();
  }

  void Step(int max_ms = 5) {
    ASSERT_TRUE(epoll_->Dispatch(max_ms));
    server_->Poll(os::Now());
  }

  base::UniqueFd Connect() {
    auto fd = os::ConnectUnix(path_);
    EXPECT_TRUE(fd) << fd.Err().Describe();
    return fd ? std::move(*fd) : base::UniqueFd();
  }

  // Sends one request and collects the reply line, running the loop.
  std::string Ask(int fd, const std::string& request) {
    EXPECT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    std::string got;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    for (auto end = os::Now() + 3s; os::Now() < end && got.find('\n') == std::string::npos;) {
      Step();
      char buf[65536];
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }

  std::string dir_, path_;
  std::string line_ = "{\"line\":\"x\"}";
  std::vector<std::string> logged_;
  std::optional<os::Epoll> epoll_;
  std::unique_ptr<Server> server_;
};

// Ids were packed into 24 bits of an epoll tag: after 2^24 connections
// replies went to the wrong client. Watches carry a pointer now, and ids
// are 64-bit; start just below the old wrap points and cross them.
TEST_F(CtlServer, ClientIdsCrossTheOldWrapPointsWithoutCollisions) {
  for (uint64_t first : {(uint64_t{1} << 24) - 3, (uint64_t{1} << 32) - 3}) {
    ServerConfig config;
    config.first_client_id = first;
    Start(config);
    std::vector<base::UniqueFd> clients;
    for (int k = 0; k < 8; ++k) clients.push_back(Connect());
    for (int k = 0; k < 3; ++k) Step();
    for (auto& c : clients) {
      EXPECT_EQ(Ask(c.Get(), "{\"v\":1,\"cmd\":\"status\"}\n"), "{\"v\":1,\"ok\":true}\n");
    }
    clients.clear();
    for (int k = 0; k < 3; ++k) Step();
    EXPECT_EQ(epoll_->watches(), 1u);  // only the listening socket is left
    server_.reset();
  }
}

// `logs -n 20000` used to be dropped: its reply passed the 1 MiB cap on
// queued output. A reply goes out whole, under back-pressure.
TEST_F(CtlServer, ALongReplyIsSentWhole) {
  line_ = "{\"line\":\"" + std::string(100, 'y') + "\"}";
  Start();
  base::UniqueFd c = Connect();
  std::string reply =
      Ask(c.Get(), "{\"v\":1,\"cmd\":\"logs\",\"names\":[\"a\"],\"lines\":20000}\n");
  EXPECT_GT(reply.size(), size_t{2} << 20);
  EXPECT_EQ(reply.back(), '\n');
  EXPECT_EQ(reply.find("\"ok\":true"), 7u);
}

// A path that holds something else is never taken over, and only the
// socket tend bound itself is removed at exit.
TEST_F(CtlServer, NeverRemovesAFileThatIsNotItsSocket) {
  std::string precious = dir_ + "/precious.txt";
  int fd = open(precious.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  path_ = precious;
  auto epoll = os::Epoll::Create();
  ASSERT_TRUE(epoll);
  ServerConfig config;
  config.path = precious;
  Server server(*epoll, config, Host{});
  base::Status st = server.Listen();
  ASSERT_FALSE(st);
  EXPECT_NE(st.Err().Describe().find("is not a socket"), std::string::npos);
  struct stat sb {};
  EXPECT_EQ(stat(precious.c_str(), &sb), 0);
  path_ = dir_ + "/tend.sock";
}

TEST_F(CtlServer, ASecondServerLeavesTheFirstOnesSocketAlone) {
  Start();
  auto epoll = os::Epoll::Create();
  ASSERT_TRUE(epoll);
  ServerConfig config;
  config.path = path_;
  {
    Server second(*epoll, config, Host{});
    base::Status st = second.Listen();
    ASSERT_FALSE(st);
    EXPECT_NE(st.Err().Describe().find("another process is bound to"), std::string::npos);
  }
  base::UniqueFd c = Connect();  // the first one still answers
  EXPECT_EQ(Ask(c.Get(), "{\"v\":1,\"cmd\":\"status\"}\n"), "{\"v\":1,\"ok\":true}\n");
}

TEST_F(CtlServer, AStaleSocketIsReplacedAndRemovedAtExit) {
  {
    auto fd = os::ListenUnix(path_, 0600);  // bound, then closed: stale
    ASSERT_TRUE(fd);
  }
  Start();
  struct stat sb {};
  ASSERT_EQ(stat(path_.c_str(), &sb), 0);
  server_.reset();
  EXPECT_NE(stat(path_.c_str(), &sb), 0);
}

// Slowloris: a request line started and never finished is dropped after
// request_timeout, however often a byte arrives.
TEST_F(CtlServer, AnUnfinishedRequestIsDroppedAtItsDeadline) {
  ServerConfig config;
  config.request_timeout = 200ms;
  Start(config);
  base::UniqueFd c = Connect();
  fcntl(c.Get(), F_SETFL, O_NONBLOCK);
  bool closed = false;
  for (auto end = os::Now() + 2s; os::Now() < end && !closed;) {
    (void)send(c.Get(), "{", 1, MSG_NOSIGNAL);
    for (int k = 0; k < 10; ++k) Step();
    char b;
    closed = recv(c.Get(), &b, 1, MSG_DONTWAIT) == 0;
  }
  EXPECT_TRUE(closed);
}

// Over the cap, the client idle longest makes room for a newcomer.
TEST_F(CtlServer, TheCapEvictsTheIdlestClient) {
  ServerConfig config;
  config.max_clients = 4;
  config.evict_after = 100ms;
  Start(config);
  std::vector<base::UniqueFd> idle;
  for (int k = 0; k < 4; ++k) {
    idle.push_back(Connect());
    for (int j = 0; j < 3; ++j) Step();
  }
  // Just accepted, they may not go yet: the newcomer waits in the backlog.
  base::UniqueFd early = Connect();
  for (int j = 0; j < 3; ++j) Step();
  char none;
  EXPECT_EQ(recv(idle.front().Get(), &none, 1, MSG_DONTWAIT), -1);  // still there
  usleep(150 * 1000);
  base::UniqueFd fresh = Connect();
  EXPECT_EQ(Ask(early.Get(), "{\"v\":1,\"cmd\":\"status\"}\n"), "{\"v\":1,\"ok\":true}\n");
  char b;
  EXPECT_EQ(recv(idle.front().Get(), &b, 1, MSG_DONTWAIT), 0);  // the first one went
}

}  // namespace
}  // namespace ctl
