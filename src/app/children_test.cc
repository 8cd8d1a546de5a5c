#include "app/children.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <variant>

#include "app/probe_runner.h"
#include "os/reaper.h"
#include "os/timer_fd.h"

namespace app {
namespace {

using namespace std::chrono_literals;

// The loop driven by hand: components queue events, the test reaps as the
// Runner does.
class LoopTest : public ::testing::Test {
 protected:
  LoopTest() : epoll_(std::move(*os::Epoll::Create())) {}

  LoopContext Context() {
    return LoopContext{epoll_, events_,
                       [this](core::LogLevel, const std::string& t) { logged_.push_back(t); }};
  }
  // Runs the loop until `done` or 5 s.
  template <typename Pred>
  bool RunUntil(Pred done) {
    for (auto end = os::Now() + 5s; os::Now() < end;) {
      if (done()) return true;
      EXPECT_TRUE(epoll_.Dispatch(20));
    }
    return done();
  }
  template <typename Kind>
  bool Has() const {
    for (const core::Event& e : events_) {
      if (std::holds_alternative<Kind>(e.kind)) return true;
    }
    return false;
  }
  os::SpawnRequest Command(std::vector<std::string> argv) {
    os::SpawnRequest r;
    r.argv = std::move(argv);
    return r;
  }

  os::Epoll epoll_;
  std::deque<core::Event> events_;
  std::vector<std::string> logged_;
};

TEST_F(LoopTest, ChildrenSpawnSignalAndRecogniseTheirExit) {
  std::optional<size_t> ended;
  Children* self = nullptr;
  Children children(Context(), [&] {
    for (const os::Reaped& r : os::ReapAll().reaped) {
      if (auto i = self->TakeMain(r.pid)) ended = i;
    }
  });
  self = &children;
  children.Spawn(2, "sleeper", Command({"/bin/sleep", "30"}), std::nullopt);
  ASSERT_TRUE(Has<core::events::Spawned>());
  int pid = children.Pid(2);
  EXPECT_GT(pid, 0);
  EXPECT_EQ(children.Pgid(2), pid);  // its own process group
  ASSERT_TRUE(children.Signal(2, SIGTERM));
  ASSERT_TRUE(RunUntil([&] { return ended.has_value(); }));  // through its pidfd
  EXPECT_EQ(*ended, 2u);
  EXPECT_EQ(children.Pid(2), 0);
  EXPECT_EQ(epoll_.watches(), 0u);  // the pidfd left the loop with it
}

TEST_F(LoopTest, AnExecFailureIsQueuedAsAnExit) {
  Children children(Context(), [] {});
  children.Spawn(0, "ghost", Command({"/nonexistent/ghost"}), std::nullopt);
  ASSERT_EQ(events_.size(), 1u);
  const auto* exited = std::get_if<core::events::Exited>(&events_[0].kind);
  ASSERT_NE(exited, nullptr);
  EXPECT_EQ(exited->status.AsExitCode(), 127);
  EXPECT_NE(exited->detail.find("ghost"), std::string::npos);
}

// s6's notification fd: a line on it is readiness, once.
TEST_F(LoopTest, ANotifyFdLineIsReadiness) {
  Children children(Context(), [] {});
  children.Spawn(0, "svc", Command({"/bin/sh", "-c", "echo >&5; sleep 30"}), 5);
  ASSERT_TRUE(RunUntil([&] { return Has<core::events::Notified>(); }));
  EXPECT_EQ(epoll_.watches(), 1u);  // the pipe is closed once used; the pidfd stays
  (void)children.Signal(0, SIGKILL);
}

TEST_F(LoopTest, ProbeRunnerReportsATcpProbeAndCancelsCleanly) {
  ProbeRunner probes(Context());
  spec::ProbeSpec probe;
  probe.kind = spec::ProbeSpec::Kind::kTcp;
  probe.target = "127.0.0.1:1";  // nothing listens on port 1
  probes.Start(4, core::ProbeKind::kLiveness, 7, probe, [] { return os::SpawnRequest(); });
  ASSERT_TRUE(RunUntil([&] { return Has<core::events::Probed>(); }));
  const auto& probed = std::get<core::events::Probed>(events_.back().kind);
  EXPECT_EQ(probed.run, 7u);
  EXPECT_FALSE(probed.ok);
  EXPECT_EQ(epoll_.watches(), 0u);
  probes.Cancel(4, core::ProbeKind::kLiveness);  // nothing in flight: harmless
}

}  // namespace
}  // namespace app
