// success_exit_status: statuses besides exit 0 that are no failure.
#include <gtest/gtest.h>

#include <csignal>

#include "core/supervisor.h"
#include "core/test_harness.h"

namespace core {
namespace {

using namespace core::testing;  // NOLINT: the harness is this test's vocabulary
using base::seconds;

spec::SuccessStatus Statuses(std::vector<spec::StatusEntry> entries) {
  return *spec::ParseSuccessStatus(entries).status;
}

spec::ServiceSpec Service(std::string name, spec::RestartPolicy restart,
                          std::vector<spec::StatusEntry> success) {
  spec::ServiceSpec s = Spec(std::move(name), restart);
  s.success = Statuses(std::move(success));
  return s;
}

int ExitCode(const std::vector<Action>& acts) {
  auto exits = Only(acts, Kind::kExit);
  EXPECT_EQ(exits.size(), 1u);
  return exits.empty() ? -1 : exits[0].code;
}

TEST(ExitStatusSuccess, ExitZeroAlwaysAndListedStatusesToo) {
  spec::SuccessStatus none;
  EXPECT_TRUE(ExitStatus::Code(0).SucceedsUnder(none));
  EXPECT_FALSE(ExitStatus::Code(3).SucceedsUnder(none));
  spec::SuccessStatus some = Statuses({int64_t{3}, std::string("SIGHUP")});
  EXPECT_TRUE(ExitStatus::Code(0).SucceedsUnder(some));
  EXPECT_TRUE(ExitStatus::Code(3).SucceedsUnder(some));
  EXPECT_FALSE(ExitStatus::Code(4).SucceedsUnder(some));
  EXPECT_TRUE(ExitStatus::Signal(SIGHUP).SucceedsUnder(some));
  EXPECT_FALSE(ExitStatus::Signal(SIGTERM).SucceedsUnder(some));
  // Exit code 1 is listed as a number, not as SIGHUP (signal 1), and back.
  EXPECT_FALSE(ExitStatus::Code(1).SucceedsUnder(some));
  EXPECT_FALSE(ExitStatus::Signal(3).SucceedsUnder(some));
  // Out of every range: never a success, never out of the bitset's bounds.
  EXPECT_FALSE(ExitStatus::Code(-1).SucceedsUnder(some));
  EXPECT_FALSE(ExitStatus::Code(256).SucceedsUnder(some));
  EXPECT_FALSE(ExitStatus::Signal(65).SucceedsUnder(some));
  EXPECT_FALSE(ExitStatus::Signal(1 << 30).SucceedsUnder(some));
  EXPECT_EQ(ExitStatus::Code(3).Describe(true), "exited with status 3 (a success status)");
  EXPECT_EQ(ExitStatus::Code(0).Describe(true), "exited with status 0");
  EXPECT_EQ(ExitStatus::Code(3).Describe(false), "exited with status 3");
}

TEST(SupervisorSuccess, OnFailureDoesNotRestartASuccessStatus) {
  Harness h({Service("a", spec::RestartPolicy::kOnFailure, {int64_t{3}})});
  h.Feed(Event::StartAll());
  h.Advance(seconds(2));
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(3)));
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_TRUE(Logged(acts,
                     "a: exited with status 3 (a success status) after 2.0s; not restarting "
                     "(restart=on-failure)"));
  EXPECT_EQ(h.svc(0).state, State::kDown);
  // The last service ended for good with a success: tend exits 0.
  EXPECT_EQ(ExitCode(h.Feed(Event::NoChildren())), 0);
}

TEST(SupervisorSuccess, UnlistedStatusesAreStillFailures) {
  Harness h({Service("a", spec::RestartPolicy::kOnFailure, {int64_t{3}})});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(4)));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGKILL)));
  EXPECT_TRUE(Logged(acts, "a: killed by SIGKILL after 0ms; restarting in 100ms"));
}

TEST(SupervisorSuccess, ASignalCanBeASuccess) {
  Harness h({Service("a", spec::RestartPolicy::kOnFailure, {std::string("USR1")})});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGUSR1)));
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_TRUE(Logged(acts, "killed by SIGUSR1 (a success status)"));
  EXPECT_EQ(ExitCode(h.Feed(Event::NoChildren())), 0);
}

// A command that could not run is a failure whatever status stands for
// it: listing 127 must not make a missing program a success.
TEST(SupervisorSuccess, AnExecFailureIsNeverASuccess) {
  Harness h({Service("a", spec::RestartPolicy::kOnFailure, {int64_t{126}, int64_t{127}})});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::ExecFailed(0, ExitStatus::Code(127), "cannot execute /x: nope"));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_FALSE(h.svc(0).last_success);
}

// With `restart = "always"` it restarts anyway, but as no failure: logged
// at info, not as a warning.
TEST(SupervisorSuccess, AlwaysRestartsASuccessQuietly) {
  Harness h({Service("a", spec::RestartPolicy::kAlways, {int64_t{3}})});
  h.Feed(Event::StartAll());
  h.Feed(Event::Exited(0, ExitStatus::Code(3)));
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(3)));
  ASSERT_TRUE(Logged(acts, "restarting in 100ms"));
  for (const Action& a : Only(acts, Kind::kLog)) EXPECT_EQ(a.level, LogLevel::kInfo) << a.text;
}

TEST(SupervisorSuccess, AOneshotWithASuccessStatusIsDoneAndItsDependentsStart) {
  spec::ServiceSpec prep = Service("prep", spec::RestartPolicy::kNever, {int64_t{3}});
  prep.type = spec::ServiceType::kOneshot;
  spec::ServiceSpec web = Spec("web");
  web.depends_on = {"prep"};
  Harness h({prep, web});
  auto acts = h.Feed(Event::StartAll());
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);  // prep only
  acts = h.Feed(Event::Exited(0, ExitStatus::Code(3)));
  EXPECT_TRUE(Logged(acts, "prep: exited with status 3 (a success status) after 0ms (done)"));
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kSpawn)[0].service, 1u);
  EXPECT_TRUE(h.svc(0).completed);
  EXPECT_FALSE(h.sup().ShuttingDown());
}

TEST(SupervisorSuccess, AOneshotWithAnUnlistedStatusStillAbortsStartUp) {
  spec::ServiceSpec prep = Service("prep", spec::RestartPolicy::kNever, {int64_t{3}});
  prep.type = spec::ServiceType::kOneshot;
  Harness h({prep, Spec("web")});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(4)));
  EXPECT_TRUE(Logged(acts, "oneshot failed: aborting start-up"));
  EXPECT_TRUE(h.sup().ShuttingDown());
  h.Feed(Event::Exited(1, ExitStatus::Signal(SIGTERM)));
  EXPECT_EQ(ExitCode(h.Feed(Event::NoChildren())), 4);
}

// A critical service that ends with a success ends the container as a
// success: tend exits 0, not 3 (an orchestrator would see a failure).
TEST(SupervisorSuccess, ACriticalServiceEndingWithASuccessMakesTendExitZero) {
  spec::ServiceSpec app = Service("app", spec::RestartPolicy::kNever, {int64_t{3}});
  app.critical = true;
  Harness h({app, Spec("sidecar")});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(3)));
  EXPECT_TRUE(h.sup().ShuttingDown());
  h.Feed(Event::Exited(1, ExitStatus::Signal(SIGTERM)));
  EXPECT_EQ(ExitCode(h.Feed(Event::NoChildren())), 0);
}

TEST(SupervisorSuccess, ACriticalServiceEndingWithAFailureKeepsItsStatus) {
  spec::ServiceSpec app = Service("app", spec::RestartPolicy::kNever, {int64_t{3}});
  app.critical = true;
  Harness h({app, Spec("sidecar")});
  h.Feed(Event::StartAll());
  h.Feed(Event::Exited(0, ExitStatus::Code(5)));
  h.Feed(Event::Exited(1, ExitStatus::Signal(SIGTERM)));
  EXPECT_EQ(ExitCode(h.Feed(Event::NoChildren())), 5);
}

// At a requested shutdown a success status is a clean stop (tend exits 0),
// as SIGTERM and exit 0 are.
TEST(SupervisorSuccess, ASuccessStatusAtShutdownIsNoStopFailure) {
  Harness h({Service("a", spec::RestartPolicy::kAlways, {int64_t{3}}), Spec("b")});
  h.Feed(Event::StartAll());
  h.Feed(Event::Signal(SIGTERM));
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(3)));
  EXPECT_TRUE(Logged(acts, "a: exited with status 3 after 0ms (stopped)"));
  h.Feed(Event::Exited(1, ExitStatus::Signal(SIGTERM)));
  EXPECT_EQ(ExitCode(h.Feed(Event::NoChildren())), 0);
}

// An adopted daemon's end is judged the same way.
TEST(SupervisorSuccess, ADaemonEndingWithASuccessStatusIsNoFailure) {
  Harness h({Service("apache2", spec::RestartPolicy::kOnFailure, {int64_t{3}})});
  h.daemons[0] = 1;  // already running: adopted
  h.Feed(Event::StartAll());
  ASSERT_EQ(h.svc(0).state, State::kAdopted);
  auto acts = h.Feed(Event::DaemonGone(0, 77, ExitStatus::Code(3)));
  EXPECT_TRUE(Logged(acts, "daemon (pid 77) exited with status 3 (a success status)"));
  EXPECT_TRUE(Logged(acts, "not restarting (restart=on-failure)"));
  EXPECT_EQ(h.svc(0).state, State::kDown);
}

// tend stopped it for its health: a failure, even when the signal that
// ended it is listed.
TEST(SupervisorSuccess, AHealthStopIsAFailureWhateverTheStatus) {
  spec::ServiceSpec a = Service("a", spec::RestartPolicy::kOnFailure, {std::string("SIGTERM")});
  a.daemon = spec::DaemonMode::kNo;
  a.watchdog = seconds(10);
  Harness h({a});
  h.Feed(Event::StartAll());
  h.Advance(seconds(10));
  ASSERT_EQ(Signals(h.Feed(Event::Timer())).size(), 1u);  // watchdog: stopped
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);  // restarted as a failure
}

}  // namespace
}  // namespace core
