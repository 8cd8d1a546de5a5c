#include "os/stream_server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "os/timer_fd.h"
#include "os/unix_socket.h"

namespace os {
namespace {

using namespace std::chrono_literals;

// What the test sessions saw, kept by the fixture (sessions die with their
// connections).
struct Seen {
  std::vector<std::string> lines;
  int expired = 0;
  bool read_while_unsent = false;
};

// Answers each line by its command: "big" (4 MiB), "bye" (reply, Finish),
// "quit" (Close at once), "busy" (never evictable), else an echo.
class LineSession : public Session {
 public:
  LineSession(Seen& seen, base::TimePoint now, std::optional<base::Duration> deadline)
      : seen_(seen), since_(now) {
    if (deadline) deadline_ = now + *deadline;
  }
  void Received(Stream& s, base::TimePoint now) override {
    if (s.Unsent() > 0) seen_.read_while_unsent = true;
    since_ = now;
    Serve(s);
  }
  void Sent(Stream& s, base::TimePoint /*now*/) override { Serve(s); }
  std::optional<base::TimePoint> Deadline() const override { return deadline_; }
  void Expired(Stream& s, base::TimePoint /*now*/) override {
    ++seen_.expired;
    deadline_.reset();
    s.Send("late\n");
    s.Finish();
  }
  std::optional<base::TimePoint> StalledSince(const Stream& /*s*/) const override {
    if (busy_) return std::nullopt;
    return since_;
  }

 private:
  void Serve(Stream& s) {
    size_t nl;
    while (s.Unsent() == 0 && !s.Finishing() && (nl = s.in().find('\n')) != std::string::npos) {
      std::string line = s.in().substr(0, nl);
      s.in().erase(0, nl + 1);
      seen_.lines.push_back(line);
      if (line == "big") {
        s.Send(std::string(size_t{4} << 20, 'x') + "\n");
      } else if (line == "bye") {
        s.Send("bye\n");
        s.Finish();
      } else if (line == "quit") {
        return s.Close();
      } else if (line == "busy") {
        busy_ = true;
        s.Send("busy\n");
      } else {
        s.Send(line + "\n");
      }
    }
  }

  Seen& seen_;
  base::TimePoint since_;
  std::optional<base::TimePoint> deadline_;
  bool busy_ = false;
};

class StreamServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tend-stream-test-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    dir_ = tmpl;
    path_ = dir_ + "/s.sock";
  }
  void TearDown() override {
    server_.reset();
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }

  void Start(StreamPolicy policy = {}, std::optional<base::Duration> deadline = std::nullopt) {
    auto epoll = Epoll::Create();
    ASSERT_TRUE(epoll);
    epoll_.emplace(std::move(*epoll));
    StreamServer::Hooks hooks;
    hooks.open = [this, deadline](int /*fd*/, base::TimePoint now) {
      return std::make_unique<LineSession>(seen_, now, deadline);
    };
    server_ = std::make_unique<StreamServer>(*epoll_, policy, hooks);
    auto fd = ListenUnix(path_, 0600);
    ASSERT_TRUE(fd) << fd.Err().Describe();
    ASSERT_TRUE(server_->Listen(std::move(*fd)));
  }

  void Step(int max_ms = 5) {
    ASSERT_TRUE(epoll_->Dispatch(max_ms));
    server_->Poll(Now());
  }
  void RunFor(base::Duration d) {
    for (auto end = Now() + d; Now() < end;) Step();
  }

  base::UniqueFd Connect() {
    auto fd = ConnectUnix(path_);
    EXPECT_TRUE(fd) << fd.Err().Describe();
    if (!fd) return base::UniqueFd();
    fcntl(fd->Get(), F_SETFL, O_NONBLOCK);
    return std::move(*fd);
  }

  // Reads what is there, running the loop, until `want` bytes or EOF.
  // `eof` tells which ended it.
  std::string Read(int fd, size_t want, bool* eof = nullptr, base::Duration max = 3s) {
    std::string got;
    if (eof) *eof = false;
    for (auto end = Now() + max; Now() < end && got.size() < want;) {
      Step();
      char buf[65536];
      ssize_t n;
      while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
        got.append(buf, static_cast<size_t>(n));
      if (n == 0) {
        if (eof) *eof = true;
        break;
      }
    }
    return got;
  }

  std::string dir_, path_;
  std::optional<Epoll> epoll_;
  std::unique_ptr<StreamServer> server_;
  Seen seen_;
};

TEST_F(StreamServerTest, AnswersEachLine) {
  Start();
  base::UniqueFd c = Connect();
  ASSERT_EQ(write(c.Get(), "a\nb\n", 4), 4);
  EXPECT_EQ(Read(c.Get(), 4), "a\nb\n");
  EXPECT_EQ(server_->ClientCount(), 1u);
  EXPECT_EQ(server_->accepted(), 1u);
}

// While a reply is unsent nothing more is read: a client that does not
// take its replies cannot make the server buffer its input.
TEST_F(StreamServerTest, NothingIsReadWhileAReplyIsUnsent) {
  Start();
  base::UniqueFd c = Connect();
  ASSERT_EQ(write(c.Get(), "big\n", 4), 4);
  RunFor(50ms);
  std::string more(size_t{64} * 1024, 'y');
  more += "\necho\n";
  ASSERT_GT(send(c.Get(), more.data(), more.size(), MSG_DONTWAIT), 0);
  RunFor(100ms);
  EXPECT_FALSE(seen_.read_while_unsent);
  EXPECT_EQ(seen_.lines.size(), 1u);  // "big" only
  // Once the client takes the reply, the queued lines are served.
  std::string got = Read(c.Get(), (size_t{4} << 20) + 1 + more.size());
  EXPECT_GE(seen_.lines.size(), 2u);
  EXPECT_FALSE(seen_.read_while_unsent);
}

TEST_F(StreamServerTest, ASessionThatClosesItselfIsRemovedAfterItsCallback) {
  Start();
  base::UniqueFd c = Connect();
  ASSERT_EQ(write(c.Get(), "quit\nlost\n", 10), 10);
  bool eof = false;
  EXPECT_EQ(Read(c.Get(), 1, &eof), "");
  EXPECT_TRUE(eof);
  EXPECT_EQ(server_->ClientCount(), 0u);
  EXPECT_EQ(seen_.lines, std::vector<std::string>{"quit"});
}

// Finish with linger: the reply, then EOF for the client while the server
// still takes (and drops) what it sends; gone once the linger time is up.
TEST_F(StreamServerTest, FinishHalfClosesAndDrainsForTheLingerTime) {
  StreamPolicy policy;
  policy.linger = 300ms;
  Start(policy);
  base::UniqueFd c = Connect();
  ASSERT_EQ(write(c.Get(), "bye\n", 4), 4);
  bool eof = false;
  EXPECT_EQ(Read(c.Get(), 100, &eof), "bye\n");
  EXPECT_TRUE(eof);
  EXPECT_EQ(server_->ClientCount(), 1u);  // draining
  EXPECT_EQ(write(c.Get(), "ignored\n", 8), 8);
  RunFor(50ms);
  EXPECT_EQ(seen_.lines, std::vector<std::string>{"bye"});
  RunFor(400ms);
  EXPECT_EQ(server_->ClientCount(), 0u);
}

TEST_F(StreamServerTest, AClientThatClosesWhileDrainingGoesAtOnce) {
  StreamPolicy policy;
  policy.linger = 10s;
  Start(policy);
  base::UniqueFd c = Connect();
  ASSERT_EQ(write(c.Get(), "bye\n", 4), 4);
  EXPECT_EQ(Read(c.Get(), 4), "bye\n");
  c.Reset();
  RunFor(50ms);
  EXPECT_EQ(server_->ClientCount(), 0u);
}

TEST_F(StreamServerTest, ADeadlineCallsExpiredOnce) {
  Start({}, 100ms);
  base::UniqueFd c = Connect();
  bool eof = false;
  EXPECT_EQ(Read(c.Get(), 100, &eof, 2s), "late\n");
  EXPECT_TRUE(eof);
  EXPECT_EQ(seen_.expired, 1);
  EXPECT_EQ(server_->ClientCount(), 0u);
}

TEST_F(StreamServerTest, NextDeadlineIsTheEarliestSessionDeadline) {
  Start({}, 5s);
  EXPECT_FALSE(server_->NextDeadline());
  base::UniqueFd c = Connect();
  RunFor(20ms);
  auto next = server_->NextDeadline();
  ASSERT_TRUE(next);
  EXPECT_GT(*next, Now() + 4s);
}

// At the cap a newcomer replaces the client stalled longest, never a busy one.
TEST_F(StreamServerTest, TheCapEvictsTheStalestClientThatIsNotBusy) {
  StreamPolicy policy;
  policy.max_clients = 2;
  Start(policy);
  base::UniqueFd busy = Connect();
  ASSERT_EQ(write(busy.Get(), "busy\n", 5), 5);
  EXPECT_EQ(Read(busy.Get(), 5), "busy\n");
  base::UniqueFd idle = Connect();
  RunFor(30ms);
  base::UniqueFd fresh = Connect();
  RunFor(30ms);
  EXPECT_EQ(server_->evicted(), 1u);
  EXPECT_EQ(server_->ClientCount(), 2u);
  bool eof = false;
  Read(idle.Get(), 1, &eof, 200ms);
  EXPECT_TRUE(eof);
  ASSERT_EQ(write(busy.Get(), "still\n", 6), 6);
  EXPECT_EQ(Read(busy.Get(), 6), "still\n");
}

// Every client busy: the newcomer waits in the backlog until one leaves.
TEST_F(StreamServerTest, WhenEveryClientIsBusyNewcomersWaitForRoom) {
  StreamPolicy policy;
  policy.max_clients = 1;
  Start(policy);
  base::UniqueFd busy = Connect();
  ASSERT_EQ(write(busy.Get(), "busy\n", 5), 5);
  EXPECT_EQ(Read(busy.Get(), 5), "busy\n");
  base::UniqueFd waiting = Connect();
  ASSERT_EQ(write(waiting.Get(), "hello\n", 6), 6);
  RunFor(50ms);
  EXPECT_EQ(server_->accepted(), 1u);
  busy.Reset();
  EXPECT_EQ(Read(waiting.Get(), 6), "hello\n");
  EXPECT_EQ(server_->evicted(), 0u);
}

// A client that sends and hangs up at once still has its line served.
TEST_F(StreamServerTest, WhatArrivesWithAHangUpIsDelivered) {
  Start();
  base::UniqueFd c = Connect();
  ASSERT_EQ(write(c.Get(), "last\n", 5), 5);
  c.Reset();
  RunFor(50ms);
  EXPECT_EQ(seen_.lines, std::vector<std::string>{"last"});
  EXPECT_EQ(server_->ClientCount(), 0u);
}

// Thousands of connections that come and go leave nothing behind.
TEST_F(StreamServerTest, ManyShortClientsLeaveNoClientBehind) {
  Start();
  for (int i = 0; i < 2000; ++i) {
    base::UniqueFd c = Connect();
    ASSERT_EQ(write(c.Get(), "x\n", 2), 2);
    ASSERT_EQ(Read(c.Get(), 2), "x\n");
  }
  RunFor(20ms);
  EXPECT_EQ(server_->ClientCount(), 0u);
  EXPECT_EQ(server_->accepted(), 2000u);
  EXPECT_EQ(epoll_->watches(), 1u);  // the listening socket only
}

}  // namespace
}  // namespace os
