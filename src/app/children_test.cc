#include "app/children.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <variant>

#include "app/probe_runner.h"
#include "os/process.h"
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

// Children with the Runner's reaping path: every reaped pid offered to it.
struct Ends {
  std::optional<size_t> service;
  std::optional<core::ExitStatus> status;
  Left left;
};

std::unique_ptr<Children> Make(LoopContext ctx, Ends& ends, base::Duration window) {
  auto children = std::make_unique<Children>(
      std::move(ctx), [] {},
      [&ends](size_t i, core::ExitStatus status, Left left) {
        ends.service = i;
        ends.status = status;
        ends.left = std::move(left);
      },
      window);
  return children;
}

void ReapInto(Children& children) {
  for (const os::Reaped& r : os::ReapAll().reaped) {
    (void)children.Reaped(r.pid, core::ExitStatus::FromWaitStatus(r.wait_status));
  }
}

TEST_F(LoopTest, ChildrenSpawnSignalAndRecogniseTheirExit) {
  Ends ends;
  Children* self = nullptr;
  Children children(
      Context(), [&] { ReapInto(*self); },
      [&](size_t i, core::ExitStatus status, Left) {
        ends.service = i;
        ends.status = status;
      },
      base::Duration::zero());
  self = &children;
  children.Spawn(2, "sleeper", Command({"/bin/sleep", "30"}), std::nullopt);
  ASSERT_TRUE(Has<core::events::Spawned>());
  int pid = children.Pid(2);
  EXPECT_GT(pid, 0);
  EXPECT_EQ(children.Pgid(2), pid);  // its own process group
  ASSERT_TRUE(children.Signal(2, SIGTERM));
  ASSERT_TRUE(RunUntil([&] { return ends.service.has_value(); }));  // through its pidfd
  EXPECT_EQ(*ends.service, 2u);
  EXPECT_TRUE(ends.status->EndedBy(SIGTERM));
  EXPECT_EQ(children.Pid(2), 0);
  EXPECT_EQ(epoll_.watches(), 0u);  // the pidfd left the loop with it
}

// Under a lineage shim: the command's end and exactly what it left come
// from the shim, whatever the left process calls itself or whichever
// session it moved to.
TEST_F(LoopTest, WhatACommandLeavesIsHandedOverExactly) {
  Ends ends;
  auto children = Make(Context(), ends, 10s);
  children->Spawn(0, "starter",
                  Command({"/bin/sh", "-c", "setsid /bin/sleep 30 & sleep 0.2; exit 3"}),
                  std::nullopt);
  int pid = children->Pid(0);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(RunUntil([&] {
    ReapInto(*children);
    return ends.service.has_value();
  }));
  EXPECT_EQ(ends.status->AsExitCode(), 3);
  EXPECT_TRUE(ends.left.exact);
  ASSERT_EQ(ends.left.processes.size(), 1u);
  const os::Handed& left = ends.left.processes[0];
  EXPECT_NE(left.pid, pid);
  ASSERT_TRUE(left.pidfd);
  EXPECT_EQ(kill(left.pid, SIGKILL), 0);
  ASSERT_TRUE(RunUntil([&] {
    ReapInto(*children);
    return kill(left.pid, 0) != 0;
  }));
}

// ReadShims: a command that ended hands over what it left as soon as it is
// asked, before the loop has looked at the shim's socket or reaped it (the
// syslog intake asks when a sender is tend's child and no one's).
TEST_F(LoopTest, ReadShimsTakesTheHandoverAtOnce) {
  Ends ends;
  auto children = Make(Context(), ends, 10s);
  children->Spawn(0, "starter", Command({"/bin/sh", "-c", "setsid /bin/sleep 30 & exit 0"}),
                  std::nullopt);
  int shim = children->ShimPid(0);
  ASSERT_GT(shim, 0);
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, static_cast<id_t>(shim), &info, WEXITED | WNOWAIT), 0);  // not reaped
  EXPECT_FALSE(ends.service.has_value());
  children->ReadShims();
  ASSERT_TRUE(ends.service.has_value());
  EXPECT_EQ(ends.status->AsExitCode(), 0);
  EXPECT_TRUE(ends.left.exact);
  ASSERT_EQ(ends.left.processes.size(), 1u);
  int left = ends.left.processes[0].pid;
  EXPECT_EQ(kill(left, SIGKILL), 0);
  ASSERT_TRUE(RunUntil([&] {
    ReapInto(*children);
    return kill(left, 0) != 0;
  }));
}

TEST_F(LoopTest, ACommandThatLeavesNothingEndsWithNothingLeft) {
  Ends ends;
  auto children = Make(Context(), ends, 10s);
  children->Spawn(1, "quick", Command({"/bin/sh", "-c", "exit 0"}), std::nullopt);
  ASSERT_TRUE(RunUntil([&] {
    ReapInto(*children);
    return ends.service.has_value();
  }));
  EXPECT_TRUE(ends.status->Clean());
  EXPECT_TRUE(ends.left.exact);
  EXPECT_TRUE(ends.left.processes.empty());
  // The shim is gone and reaped: nothing of it stays in the loop.
  ASSERT_TRUE(RunUntil([&] {
    ReapInto(*children);
    return epoll_.watches() == 0u;
  }));
}

// A foreground command outlives the window: the shim hands it over and
// exits; the command's end then comes through tend's own reaping.
TEST_F(LoopTest, AfterTheWindowTheCommandIsTendsChild) {
  ASSERT_TRUE(os::BecomeSubreaper());  // as tend is (or PID 1)
  Ends ends;
  Children* self = nullptr;
  Children children(
      Context(), [&] { ReapInto(*self); },
      [&](size_t i, core::ExitStatus status, Left left) {
        ends.service = i;
        ends.status = status;
        ends.left = std::move(left);
      },
      200ms);
  self = &children;
  children.Spawn(0, "fg", Command({"/bin/sleep", "30"}), std::nullopt);
  int pid = children.Pid(0);
  ASSERT_TRUE(RunUntil([&] {
    ReapInto(children);
    return os::ParentOf(pid) == getpid();
  }));
  EXPECT_FALSE(ends.service);
  ASSERT_TRUE(children.Signal(0, SIGTERM));
  ASSERT_TRUE(RunUntil([&] { return ends.service.has_value(); }));
  EXPECT_TRUE(ends.status->EndedBy(SIGTERM));
  EXPECT_FALSE(ends.left.exact);
  // Known to run in the foreground now: its next start has no shim; a new
  // command line gets one again.
  children.Spawn(0, "fg", Command({"/bin/sleep", "30"}), std::nullopt);
  EXPECT_EQ(children.ShimPid(0), 0);
  (void)children.Signal(0, SIGKILL);
  children.Spawn(0, "fg", Command({"/bin/sleep", "31"}), std::nullopt);
  EXPECT_GT(children.ShimPid(0), 0);
  (void)children.Signal(0, SIGKILL);
}

TEST_F(LoopTest, AnExecFailureIsQueuedAsAnExit) {
  for (base::Duration window : {base::Duration::zero(), base::Duration(10s)}) {
    events_.clear();
    Ends ends;
    auto children = Make(Context(), ends, window);
    children->Spawn(0, "ghost", Command({"/nonexistent/ghost"}), std::nullopt);
    ASSERT_EQ(events_.size(), 1u);
    const auto* exited = std::get_if<core::events::Exited>(&events_[0].kind);
    ASSERT_NE(exited, nullptr);
    EXPECT_EQ(exited->status.AsExitCode(), 127);
    EXPECT_NE(exited->detail.find("ghost"), std::string::npos);
  }
}

// s6's notification fd: a line on it is readiness, once.
TEST_F(LoopTest, ANotifyFdLineIsReadiness) {
  Ends ends;
  auto children = Make(Context(), ends, base::Duration::zero());
  children->Spawn(0, "svc", Command({"/bin/sh", "-c", "echo >&5; sleep 30"}), 5);
  ASSERT_TRUE(RunUntil([&] { return Has<core::events::Notified>(); }));
  EXPECT_EQ(epoll_.watches(), 1u);  // the pipe is closed once used; the pidfd stays
  (void)children->Signal(0, SIGKILL);
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
