// The Supervisor with lineage: what a service's command or main process
// left behind (events::Exited's `left`, Event::Lineage) is the service's.
#include <gtest/gtest.h>

#include "core/test_harness.h"

namespace core {
namespace {

using namespace core::testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

spec::ServiceSpec Shell(std::string name) {
  spec::ServiceSpec s = Spec(std::move(name));
  s.daemon = spec::DaemonMode::kNo;
  s.backoff_initial = base::Duration::zero();
  return s;
}

TEST(SupervisorLineage, ACrashLeavesItsChildrenStoppedBeforeTheRestart) {
  Harness h({Shell("app")});
  h.Feed(Event::StartAll());
  h.Advance(seconds(1));
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(1), 1, "123", true));
  EXPECT_EQ(h.svc(0).state, State::kStopping);
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  ASSERT_EQ(Signals(acts).size(), 1u);
  EXPECT_EQ(Signals(acts)[0].signal, SIGTERM);
  EXPECT_TRUE(Logged(acts,
                     "app: exited with status 1 after 1.0s; stopping the 1 process it left "
                     "(pid 123) first"));
  acts = h.Feed(Event::DaemonGone(0, 123, ExitStatus::Signal(SIGTERM), 0));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_TRUE(Logged(acts,
                     "app: exited with status 1 after 1.0s; stopped what it left; "
                     "restarting now"));
  EXPECT_EQ(h.svc(0).state, State::kRunning);
}

TEST(SupervisorLineage, LeftoversThatIgnoreTheStopSignalGetSigkillAtTheStopTimeout) {
  spec::ServiceSpec app = Shell("app");
  app.stop_timeout = seconds(2);
  Harness h({app});
  h.Feed(Event::StartAll());
  h.Feed(Event::Exited(0, ExitStatus::Signal(SIGSEGV), 1, "123", true));
  ASSERT_EQ(h.sup().NextDeadline(), h.now() + seconds(2));
  h.Advance(seconds(2));
  auto acts = h.Feed(Event::Timer());
  ASSERT_EQ(Signals(acts).size(), 1u);
  EXPECT_EQ(Signals(acts)[0].signal, SIGKILL);
  acts = h.Feed(Event::DaemonGone(0, 123, ExitStatus::Signal(SIGKILL), 0));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
}

TEST(SupervisorLineage, WithKillModeMainLeftoversRunOn) {
  spec::ServiceSpec app = Shell("app");
  app.kill_mode = spec::KillMode::kMain;
  Harness h({app});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(1), 1, "123", true));
  auto release = Only(acts, Kind::kRelease);
  ASSERT_EQ(release.size(), 1u);
  EXPECT_EQ(release[0].signal, 0);  // forgotten, not signalled
  EXPECT_TRUE(Signals(acts).empty());
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
}

// php8.2-fpm's init script leaves php-fpm8.2: lineage names it, the rule
// does not matter, and nothing looks at the process table again.
TEST(SupervisorLineage, WhatACleanCommandLeftIsItsDaemonWhateverItsName) {
  spec::ServiceSpec fpm = Spec("php8.2-fpm");
  Harness h({fpm});
  h.Feed(Event::StartAll());
  h.daemons[0] = 1;
  h.lineage[0] = "php-fpm8.2 (pid 11, 2 workers)";
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(0), 1, "11", true));
  EXPECT_EQ(h.svc(0).state, State::kAdopted);
  EXPECT_TRUE(Logged(acts,
                     "php8.2-fpm: its command left php-fpm8.2 (pid 11, 2 workers); "
                     "watching it"));
  EXPECT_FALSE(h.sup().NextDeadline());  // pidfds say when it ends: no more looks
  h.Advance(seconds(5));
  acts = h.Feed(Event::DaemonGone(0, 11, std::nullopt, 0));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
}

TEST(SupervisorLineage, ACleanCommandThatLeftNothingIsAPlainExitAtOnce) {
  spec::ServiceSpec d = Spec("starter");
  d.daemon = spec::DaemonMode::kYes;
  Harness h({d});
  h.Feed(Event::StartAll());
  h.lineage[0] = "";
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(0), 0, "", true));
  EXPECT_TRUE(Logged(acts, "starter: command exited 0 but left no process"));
  EXPECT_EQ(Only(acts, Kind::kScan).size(), 1u);  // one answer, no settle window
  EXPECT_NE(h.svc(0).state, State::kSettling);
  EXPECT_FALSE(h.svc(0).scan_at);
}

// A stop takes all of it: when the main process ends first, the stop goes
// on until what it left has ended too.
TEST(SupervisorLineage, AStopWaitsForWhatTheMainProcessLeft) {
  Harness h({Shell("app")});
  h.Feed(Event::StartAll());
  auto acts = h.sup().Control(Supervisor::ControlOp::kStop, 0, 0, h.now());
  EXPECT_EQ(h.svc(0).state, State::kStopping);
  acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM), 1, "200", true));
  EXPECT_EQ(h.svc(0).state, State::kStopping);
  ASSERT_EQ(Signals(acts).size(), 1u);  // the stop signal again: it reaches what lineage handed
  EXPECT_TRUE(Logged(acts, "stopping the 1 process it left (pid 200)"));
  acts = h.Feed(Event::DaemonGone(0, 200, ExitStatus::Signal(SIGTERM), 0));
  EXPECT_EQ(h.svc(0).state, State::kDown);
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
}

TEST(SupervisorLineage, AOneshotsLeftoversAreLeftAlone) {
  spec::ServiceSpec setup = Shell("setup");
  setup.type = spec::ServiceType::kOneshot;
  Harness h({setup});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(0), 1, "300", true));
  ASSERT_EQ(Only(acts, Kind::kRelease).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kRelease)[0].signal, 0);
  EXPECT_EQ(h.svc(0).state, State::kDown);
}

}  // namespace
}  // namespace core
