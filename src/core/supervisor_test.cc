#include "core/supervisor.h"

#include <gtest/gtest.h>

#include <csignal>
#include <map>

#include "core/test_harness.h"

namespace core {
namespace {

using namespace core::testing;  // NOLINT: the harness is this test's vocabulary
using base::milliseconds;
using base::seconds;
using Kind = Action::Kind;

TEST(Supervisor, StartsEveryServiceInOrder) {
  Harness h({Spec("a"), Spec("b")});
  auto acts = h.Feed(Event::StartAll());
  auto spawns = Only(acts, Kind::kSpawn);
  ASSERT_EQ(spawns.size(), 2u);
  EXPECT_EQ(spawns[0].service, 0u);
  EXPECT_EQ(spawns[1].service, 1u);
  EXPECT_TRUE(Logged(acts, "a: started (pid 100)"));
  EXPECT_EQ(h.sup().services()[1].state, State::kRunning);
  EXPECT_FALSE(h.sup().NextDeadline());  // nothing due: no timer, no wakeups
}

TEST(Supervisor, RestartsAtOnceThenBacksOff) {
  Harness h({Spec("a")});
  h.Feed(Event::StartAll());
  h.Advance(milliseconds(5));
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGKILL)));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_TRUE(Logged(acts, "a: killed by SIGKILL after 5ms; restarting now"));

  h.Advance(milliseconds(5));
  acts = h.Feed(Event::Exited(0, ExitStatus::Code(1)));
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_TRUE(Logged(acts, "restarting in 100ms"));
  EXPECT_EQ(h.sup().services()[0].state, State::kBackoff);
  ASSERT_TRUE(h.sup().NextDeadline());
  EXPECT_EQ(*h.sup().NextDeadline(), h.now() + milliseconds(100));

  h.Advance(milliseconds(99));
  EXPECT_TRUE(Only(h.Feed(Event::Timer()), Kind::kSpawn).empty());  // early timer: nothing
  h.Advance(milliseconds(1));
  EXPECT_EQ(Only(h.Feed(Event::Timer()), Kind::kSpawn).size(), 1u);
  EXPECT_EQ(h.sup().services()[0].Restarts(), 2);
}

TEST(Supervisor, ExecFailureIsLoggedAndRetried) {
  Harness h({Spec("a")});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::ExecFailed(0, ExitStatus::Code(127), "cannot execute /x: nope"));
  EXPECT_TRUE(Logged(acts, "a: cannot execute /x: nope"));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);  // first retry at once
  acts = h.Feed(Event::ExecFailed(0, ExitStatus::Code(127), "cannot execute /x: nope"));
  EXPECT_TRUE(Logged(acts, "restarting in 100ms"));
}

// SIGTERM can come between a restart's fork and its failed exec: that exec
// failure is no failure to stop, and tend still exits 0.
TEST(Supervisor, ExecFailureDuringShutdownIsNoStopFailure) {
  Harness h({Spec("a"), Spec("b")});
  h.Feed(Event::StartAll());
  h.Feed(Event::Signal(SIGTERM));
  auto acts = h.Feed(Event::ExecFailed(0, ExitStatus::Code(126), "cannot execute /x: denied"));
  EXPECT_TRUE(Logged(acts, "a: cannot execute /x: denied"));
  h.Feed(Event::Exited(1, ExitStatus::Signal(SIGTERM)));
  acts = h.Feed(Event::NoChildren());
  ASSERT_EQ(Only(acts, Kind::kExit).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kExit)[0].code, 0);
}

TEST(Supervisor, StopDuringAStartScriptStopsTheDaemonItLeft) {
  Harness h({Spec("apache2")});
  h.Feed(Event::StartAll());  // nothing found: the start script is spawned
  ASSERT_EQ(h.svc(0).state, State::kRunning);
  h.sup().Control(Supervisor::ControlOp::kStop, 0, 0, h.now());
  h.daemons[0] = 1;  // the daemon had forked before the script was stopped
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  EXPECT_EQ(h.svc(0).state, State::kDown);
  auto releases = Only(acts, Kind::kRelease);
  ASSERT_EQ(releases.size(), 1u);
  EXPECT_EQ(releases[0].signal, SIGTERM);
  EXPECT_TRUE(Logged(acts, "apache2: stopping the daemon its start command left (pid 77)"));
}

TEST(Supervisor, NeverPolicyExitsWithLastStatusOnceNothingIsLeft) {
  Harness h({Spec("a", spec::RestartPolicy::kNever), Spec("b", spec::RestartPolicy::kNever)});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(3)));
  EXPECT_TRUE(Logged(acts, "not restarting (restart=never)"));
  EXPECT_TRUE(Only(acts, Kind::kExit).empty());
  h.Feed(Event::Exited(1, ExitStatus::Code(4)));
  acts = h.Feed(Event::NoChildren());
  auto exits = Only(acts, Kind::kExit);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].code, 4);
}

TEST(Supervisor, OnFailureKeepsCleanExitsDown) {
  Harness h({Spec("a", spec::RestartPolicy::kOnFailure)});
  h.Feed(Event::StartAll());
  EXPECT_EQ(Only(h.Feed(Event::Exited(0, ExitStatus::Code(2))), Kind::kSpawn).size(), 1u);
  h.Feed(Event::Exited(0, ExitStatus::Code(0)));
  EXPECT_EQ(h.sup().services()[0].state, State::kDown);
}

TEST(Supervisor, LeftoverProcessesGetSigtermBeforeExit) {
  Harness h({Spec("a", spec::RestartPolicy::kNever)});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(6)));  // orphans remain
  auto all = Only(acts, Kind::kSignalAll);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].signal, SIGTERM);
  EXPECT_EQ(all[1].signal, SIGCONT);  // stopped leftovers too
  acts = h.Feed(Event::NoChildren());
  ASSERT_EQ(Only(acts, Kind::kExit).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kExit)[0].code, 6);
}

TEST(Supervisor, GracefulShutdownExitsZeroWhenServicesEndOnSigterm) {
  Harness h({Spec("a"), Spec("b")});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Signal(SIGTERM));
  auto sigs = Signals(acts);
  ASSERT_EQ(sigs.size(), 2u);
  EXPECT_EQ(sigs[0].signal, SIGTERM);
  EXPECT_TRUE(Logged(acts, "received SIGTERM; stopping 2 services (grace 8.0s)"));
  EXPECT_EQ(*h.sup().NextDeadline(), h.now() + seconds(8));
  h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  acts = h.Feed(Event::Exited(1, ExitStatus::Code(143)));  // a shell's way to say SIGTERM
  acts = h.Feed(Event::NoChildren());
  ASSERT_EQ(Only(acts, Kind::kExit).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kExit)[0].code, 0);
}

TEST(Supervisor, GraceExpiryKillsEverythingAndReportsTheFailure) {
  Harness h({Spec("deaf"), Spec("ok")}, Settings{seconds(2), {}, seconds(2)});
  h.Feed(Event::StartAll());
  h.Feed(Event::Signal(SIGTERM));
  h.Feed(Event::Exited(1, ExitStatus::Signal(SIGTERM)));
  h.Advance(seconds(2));
  auto acts = h.Feed(Event::Timer());
  auto all = Only(acts, Kind::kSignalAll);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].signal, SIGKILL);
  h.Feed(Event::Exited(0, ExitStatus::Signal(SIGKILL)));
  acts = h.Feed(Event::NoChildren());
  ASSERT_EQ(Only(acts, Kind::kExit).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kExit)[0].code, 137);
}

TEST(Supervisor, SecondSigtermKillsAtOnce) {
  Harness h({Spec("a")});
  h.Feed(Event::StartAll());
  h.Feed(Event::Signal(SIGTERM));
  auto acts = h.Feed(Event::Signal(SIGINT));
  ASSERT_EQ(Only(acts, Kind::kSignalAll).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kSignalAll)[0].signal, SIGKILL);
}

TEST(Supervisor, ExitsAfterKillWaitEvenIfSomethingSurvives) {
  Harness h({Spec("a")}, Settings{seconds(1), {}, seconds(2)});
  h.Feed(Event::StartAll());
  h.Feed(Event::Signal(SIGTERM));
  h.Advance(seconds(1));
  h.Feed(Event::Timer());
  h.Advance(seconds(2));
  EXPECT_EQ(Only(h.Feed(Event::Timer()), Kind::kExit).size(), 1u);
  EXPECT_TRUE(h.Feed(Event::Timer()).empty());  // done means done
}

TEST(Supervisor, ForwardsSignalsToRunningServicesOnly) {
  Harness h({Spec("a"), Spec("b", spec::RestartPolicy::kNever)});
  h.Feed(Event::StartAll());
  h.Feed(Event::Exited(1, ExitStatus::Code(0)));
  for (int sig : {SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH}) {
    auto sigs = Only(h.Feed(Event::Signal(sig)), Kind::kSignalService);
    ASSERT_EQ(sigs.size(), 1u);
    EXPECT_EQ(sigs[0].service, 0u);
    EXPECT_EQ(sigs[0].signal, sig);
  }
  EXPECT_TRUE(Only(h.Feed(Event::Signal(SIGPIPE)), Kind::kSignalService).empty());
}

TEST(Supervisor, BackoffServiceGoesStraightDownOnShutdown) {
  Harness h({Spec("a")});
  h.Feed(Event::StartAll());
  h.Feed(Event::Exited(0, ExitStatus::Code(1)));
  h.Feed(Event::Exited(0, ExitStatus::Code(1)));  // now in backoff
  ASSERT_EQ(h.sup().services()[0].state, State::kBackoff);
  auto acts = h.Feed(Event::Signal(SIGTERM));
  EXPECT_TRUE(Signals(acts).empty());
  EXPECT_EQ(h.sup().services()[0].state, State::kDown);
  EXPECT_EQ(Only(h.Feed(Event::NoChildren()), Kind::kExit).size(), 1u);
}

TEST(Supervisor, OrphansReapedWhileKillingAreKilledToo) {
  Harness h({Spec("a")});
  h.Feed(Event::StartAll());
  h.Feed(Event::Signal(SIGTERM));
  h.Feed(Event::Signal(SIGTERM));
  auto acts = h.Feed(Event::OrphansReaped());
  ASSERT_EQ(Only(acts, Kind::kSignalAll).size(), 1u);
}

spec::ServiceSpec Daemon(std::string name, spec::DaemonMode mode = spec::DaemonMode::kAuto) {
  spec::ServiceSpec s = Spec(name);
  s.match.pattern = name;
  s.daemon = mode;
  return s;
}

TEST(SupervisorDaemons, AdoptsADaemonAlreadyRunningInsteadOfStarting) {
  Harness h({Daemon("apache2")});
  h.daemons[0] = 3;
  auto acts = h.Feed(Event::StartAll());
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_EQ(h.svc(0).state, State::kAdopted);
  EXPECT_TRUE(Logged(acts, "apache2: already running (pid 77); adopted, not started again"));
}

// One rule for both ways a signal comes (docker kill -s USR1, tendctl
// signal): an adopted daemon gets it, a service that is down does not.
TEST(SupervisorDaemons, SignalsReachAdoptedDaemonsBothWays) {
  spec::ServiceSpec gone = Spec("gone", spec::RestartPolicy::kNever);
  gone.daemon = spec::DaemonMode::kNo;
  Harness h({Daemon("apache2"), gone});
  h.daemons[0] = 1;
  h.Feed(Event::StartAll());
  h.Feed(Event::Exited(1, ExitStatus::Code(0)));
  ASSERT_EQ(h.svc(0).state, State::kAdopted);
  ASSERT_EQ(h.svc(1).state, State::kDown);
  auto forwarded = Only(h.Feed(Event::Signal(SIGUSR1)), Kind::kSignalService);
  ASSERT_EQ(forwarded.size(), 1u);
  EXPECT_EQ(forwarded[0].service, 0u);
  EXPECT_EQ(forwarded[0].signal, SIGUSR1);
  for (size_t i : {0u, 1u}) {
    auto sent = Only(h.sup().Control(Supervisor::ControlOp::kSignal, i, SIGUSR1, h.now()),
                     Kind::kSignalService);
    EXPECT_EQ(sent.size(), i == 0 ? 1u : 0u) << i;
  }
}

TEST(SupervisorDaemons, ForegroundOnlyServicesAreNeverLookedFor) {
  Harness h({Daemon("app", spec::DaemonMode::kNo)});
  h.daemons[0] = 1;
  auto acts = h.Feed(Event::StartAll());
  EXPECT_TRUE(Only(acts, Kind::kScan).empty());
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
}

TEST(SupervisorDaemons, CleanExitLeavingADaemonIsAdoptedThenRestartedWhenItDies) {
  Harness h({Daemon("apache2")});
  h.Feed(Event::StartAll());
  h.daemons[0] = 2;
  h.Advance(milliseconds(30));
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(0)));
  EXPECT_EQ(h.svc(0).state, State::kAdopted);
  EXPECT_TRUE(Logged(acts, "apache2: command exited 0 and left a daemon named 'apache2'"));
  // It looks again at the settle window's remaining moments (a daemon's
  // later processes join), then never again: pidfds watch it, no timer.
  int looks = 0;
  while (auto next = h.sup().NextDeadline()) {
    h.Advance(*next - h.now());
    looks += static_cast<int>(Only(h.Feed(Event::Timer()), Kind::kScan).size());
    ASSERT_LE(looks, 5);
  }
  EXPECT_EQ(looks, 5);  // the window's moments: 20ms, 100ms, 300ms, 1s, 3s
  EXPECT_EQ(h.svc(0).state, State::kAdopted);

  h.daemons[0] = 0;
  h.Advance(seconds(20));
  acts = h.Feed(Event::DaemonGone(0, 77, ExitStatus::Signal(SIGKILL)));
  EXPECT_TRUE(
      Logged(acts, "apache2: daemon (pid 77) killed by SIGKILL after 23.0s; restarting now"));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_EQ(h.svc(0).state, State::kRunning);
}

// Workers a dead daemon master left are killed at once, then it restarts.
TEST(SupervisorDaemons, WorkersLeftByADeadMainProcessAreKilledBeforeTheRestart) {
  Harness h({Daemon("apache2")});
  h.daemons[0] = 3;
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::DaemonGone(0, 77, ExitStatus::Signal(SIGKILL), 2, "78 79"));
  auto release = Only(acts, Kind::kRelease);
  ASSERT_EQ(release.size(), 1u);
  EXPECT_EQ(release[0].signal, SIGKILL);
  EXPECT_TRUE(Logged(
      acts,
      "daemon (pid 77) killed by SIGKILL after 0ms; killed 2 processes it left; restarting now"));
  size_t kill_at = 0, spawn_at = 0;
  for (size_t k = 0; k < acts.size(); ++k) {
    if (acts[k].kind == Kind::kRelease) kill_at = k;
    if (acts[k].kind == Kind::kSpawn) spawn_at = k;
  }
  EXPECT_LT(kill_at, spawn_at);
}

// While stopping, what a dead master left has until the stop timeout.
TEST(SupervisorDaemons, StoppingWaitsForWhatADeadMasterLeft) {
  Harness h({Daemon("apache2")});
  h.daemons[0] = 1;
  h.Feed(Event::StartAll());
  h.sup().Control(Supervisor::ControlOp::kStop, 0, 0, h.now());
  auto acts = h.Feed(Event::DaemonGone(0, 77, ExitStatus::Signal(SIGTERM), 2, "78 79"));
  EXPECT_EQ(h.svc(0).state, State::kStopping);
  EXPECT_TRUE(Only(acts, Kind::kRelease).empty());
  acts = h.Feed(Event::DaemonGone(0, 79, ExitStatus::Signal(SIGTERM), 0));
  EXPECT_EQ(h.svc(0).state, State::kDown);
}

TEST(SupervisorDaemons, CleanExitWithoutLeftoversIsAPlainExit) {
  Harness h({Daemon("echo")});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Code(0)));
  EXPECT_TRUE(Logged(acts, "echo: exited with status 0 after 0ms; restarting now"));
  EXPECT_EQ(Only(acts, Kind::kScan).size(), 1u);  // looked once, then gave up at once
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
}

TEST(SupervisorDaemons, LooksAtFewMomentsThenFailsWithAHint) {
  Harness h({Daemon("apache2")});
  h.Feed(Event::StartAll());
  h.leftovers = true;  // the command left something, not (yet) named apache2
  h.Feed(Event::Exited(0, ExitStatus::Code(0)));
  EXPECT_EQ(h.svc(0).state, State::kSettling);
  int scans = 0;
  std::vector<Action> acts;
  while (h.svc(0).state == State::kSettling) {
    ASSERT_TRUE(h.sup().NextDeadline());
    h.Advance(*h.sup().NextDeadline() - h.now());
    acts = h.Feed(Event::Timer());
    scans += static_cast<int>(Only(acts, Kind::kScan).size());
    ASSERT_LT(scans, 10);
  }
  EXPECT_EQ(scans, 5);  // the settle moments, no more: never a standing poll
  EXPECT_TRUE(Logged(acts, "no process named 'apache2' appeared within 3.0s"));
  EXPECT_TRUE(Logged(acts, "set its match rule"));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);  // first retry at once, then backoff
}

TEST(SupervisorDaemons, DaemonAppearingDuringTheSettleWindowIsAdopted) {
  Harness h({Daemon("nginx")});
  h.Feed(Event::StartAll());
  h.leftovers = true;
  h.Feed(Event::Exited(0, ExitStatus::Code(0)));
  h.daemons[0] = 1;
  h.Advance(*h.sup().NextDeadline() - h.now());
  h.Feed(Event::Timer());
  EXPECT_EQ(h.svc(0).state, State::kAdopted);
}

TEST(SupervisorDaemons, ShutdownStopsAdoptedDaemons) {
  Harness h({Daemon("apache2")});
  h.daemons[0] = 2;
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Signal(SIGTERM));
  ASSERT_EQ(Signals(acts).size(), 1u);
  EXPECT_EQ(h.svc(0).state, State::kStopping);
  h.Feed(Event::DaemonGone(0, 77, std::nullopt));
  EXPECT_EQ(h.svc(0).state, State::kDown);
  acts = h.Feed(Event::NoChildren());
  ASSERT_EQ(Only(acts, Kind::kExit).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kExit)[0].code, 0);
}

TEST(SupervisorDaemons, WithoutPidfdsAdoptedDaemonsAreLookedForAtTheInterval) {
  Harness h({Daemon("sshd")}, Settings{});
  h.daemons[0] = 1;
  h.polled = true;
  h.Feed(Event::StartAll());
  ASSERT_TRUE(h.sup().NextDeadline());
  EXPECT_EQ(*h.sup().NextDeadline(), h.now() + seconds(5));
  h.Advance(seconds(5));
  h.Feed(Event::Timer());
  EXPECT_EQ(h.svc(0).state, State::kAdopted);
  h.daemons[0] = 0;
  h.Advance(seconds(5));
  auto acts = h.Feed(Event::Timer());
  EXPECT_TRUE(Logged(acts, "sshd: daemon named 'sshd' gone"));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
}

TEST(SupervisorSchedules, OneshotRunsAtItsTimesAndNeverTwiceAtOnce) {
  spec::ServiceSpec s = Spec("tick");
  s.type = spec::ServiceType::kOneshot;
  s.schedule = spec::ParseCron("*/5 * * * *").expr;
  Harness h({s, Spec("web")});
  auto acts = h.Feed(Event::StartAll());
  EXPECT_TRUE(Logged(acts, "tick: next run at 2026-11-22T01:05:00.000Z"));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);  // only web: tick waits for its time
  EXPECT_EQ(*h.sup().NextDeadline(), h.now() + base::seconds(180));

  h.Advance(base::seconds(180));
  acts = h.Feed(Event::Timer());
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kSpawn)[0].service, 0u);

  // Still running at 01:10 and 01:15: nothing else is started meanwhile.
  h.Advance(base::seconds(600) + base::milliseconds(1));
  EXPECT_TRUE(Only(h.Feed(Event::Timer()), Kind::kSpawn).empty());
  acts = h.Feed(Event::Exited(0, ExitStatus::Code(0)));
  EXPECT_TRUE(Logged(acts, "tick: exited with status 0 after 10m0s (done)"));
  EXPECT_TRUE(Logged(acts, "next run at 2026-11-22T01:20:00.000Z"));
  EXPECT_EQ(h.svc(0).state, State::kBackoff);

  // A failed run is logged and waits for the next time too.
  h.Advance(*h.sup().NextDeadline() - h.now());
  h.Feed(Event::Timer());
  acts = h.Feed(Event::Exited(0, ExitStatus::Code(2)));
  EXPECT_TRUE(Logged(acts, "(failed)"));
  EXPECT_TRUE(Logged(acts, "next run at 2026-11-22T01:25:00.000Z"));
}

TEST(SupervisorDependencies, StartInOrderAndStopInReverse) {
  spec::ServiceSpec db = Spec("db"), web = Spec("web");
  web.depends_on = {"db"};
  Harness h({web, db});
  auto acts = h.Feed(Event::StartAll());
  auto spawns = Only(acts, Kind::kSpawn);
  ASSERT_EQ(spawns.size(), 2u);
  EXPECT_EQ(spawns[0].service, 1u);  // db first, although listed second
  EXPECT_EQ(spawns[1].service, 0u);
  acts = h.Feed(Event::Signal(SIGTERM));
  auto sigs = Signals(acts);
  ASSERT_EQ(sigs.size(), 1u);
  EXPECT_EQ(sigs[0].service, 0u);  // web first; db waits for it
  acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  sigs = Signals(acts);
  ASSERT_EQ(sigs.size(), 1u);
  EXPECT_EQ(sigs[0].service, 1u);
}

TEST(SupervisorControl, StoppedStaysDownAndStartBringsItBack) {
  Harness h({Spec("a"), Spec("b")});
  h.Feed(Event::StartAll());
  auto acts = h.sup().Control(Supervisor::ControlOp::kStop, 0, 0, h.now());
  EXPECT_EQ(Signals(acts).size(), 1u);
  h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  EXPECT_EQ(h.svc(0).state, State::kDown);
  EXPECT_TRUE(h.svc(0).Held());
  acts = h.sup().Control(Supervisor::ControlOp::kStart, 0, 0, h.now());
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_FALSE(h.svc(0).Held());
}

TEST(SupervisorControl, StartWhileStoppingStartsOnceDown) {
  Harness h({Spec("a")});
  h.Feed(Event::StartAll());
  h.sup().Control(Supervisor::ControlOp::kStop, 0, 0, h.now());
  h.sup().Control(Supervisor::ControlOp::kStart, 0, 0, h.now());  // before it exited
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_TRUE(Only(acts, Kind::kExit).empty());
}

TEST(SupervisorControl, RestartStopsItThenStartsItOnceDown) {
  Harness h({Spec("a")});
  h.Feed(Event::StartAll());
  auto acts = h.sup().Control(Supervisor::ControlOp::kRestart, 0, 0, h.now());
  EXPECT_EQ(Signals(acts).size(), 1u);
  EXPECT_EQ(h.svc(0).state, State::kStopping);
  EXPECT_EQ(h.svc(0).want, Want::kRestart);
  acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);  // at once: no backoff for a request
  EXPECT_EQ(h.svc(0).state, State::kRunning);
  EXPECT_EQ(h.svc(0).want, Want::kUp);
}

// Whether it runs (the want) and what runs (the replacement) are apart: a
// service stopped on request and changed by a reload gets its new spec and
// stays down.
TEST(SupervisorReload, AServiceStoppedOnRequestAndChangedStaysDown) {
  Harness h({Spec("a"), Spec("b")});
  h.Feed(Event::StartAll());
  h.sup().Control(Supervisor::ControlOp::kStop, 0, 0, h.now());
  spec::ServiceSpec changed = Spec("a");
  changed.stop_signal = SIGINT;
  h.sup().Reload({changed, Spec("b")}, h.now(), h.wall_ms);
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_EQ(h.svc(0).state, State::kDown);
  EXPECT_TRUE(h.svc(0).Held());
  EXPECT_EQ(h.svc(0).spec.stop_signal, SIGINT);
}

// A service changed by one reload and removed by the next before it was
// down is freed, not started again with the spec of the first.
TEST(SupervisorReload, ChangedThenRemovedBeforeDownIsFreed) {
  Harness h({Spec("a"), Spec("b")});
  h.Feed(Event::StartAll());
  spec::ServiceSpec changed = Spec("a");
  changed.stop_signal = SIGINT;
  h.sup().Reload({changed, Spec("b")}, h.now(), h.wall_ms);
  h.sup().Reload({Spec("b")}, h.now(), h.wall_ms);
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  EXPECT_EQ(Only(acts, Kind::kFree).size(), 1u);
  EXPECT_TRUE(Only(h.Feed(Event::Timer()), Kind::kSpawn).empty());
  EXPECT_TRUE(h.svc(0).Retired());
  EXPECT_EQ(h.svc(0).state, State::kDown);
}

TEST(SupervisorStop, StopSignalIsFollowedBySigcont) {
  Harness h({Spec("a")});
  h.Feed(Event::StartAll());
  auto acts = Only(h.Feed(Event::Signal(SIGTERM)), Kind::kSignalService);
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts[0].signal, SIGTERM);
  EXPECT_EQ(acts[1].signal, SIGCONT);  // a SIGSTOPped service sees its SIGTERM now
  EXPECT_EQ(acts[1].service, 0u);
}

TEST(SupervisorStop, SigkillNeedsNoSigcont) {
  spec::ServiceSpec s = Spec("a");
  s.stop_signal = SIGKILL;
  Harness h({s});
  h.Feed(Event::StartAll());
  auto acts = Only(h.Feed(Event::Signal(SIGTERM)), Kind::kSignalService);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].signal, SIGKILL);
}

// Defect: every reload that removed services kept their slots (and the
// runner their pipes) forever. A removed service is freed once down, and
// its slot serves the next service a reload adds.
TEST(SupervisorReload, RemovedServicesAreFreedAndTheirSlotsReused) {
  Harness h({Spec("a"), Spec("b"), Spec("c")});
  h.Feed(Event::StartAll());
  size_t frees = 0;
  for (int round = 0; round < 500; ++round) {
    bool odd = round % 2 == 0;
    std::vector<spec::ServiceSpec> next = {Spec("a"), Spec(odd ? "d" : "b"), Spec(odd ? "e" : "c")};
    auto acts = h.sup().Reload(next, h.now(), h.wall_ms);
    frees += Only(acts, Kind::kFree).size();  // those that were not running yet
    // The removed ones that ran got their stop signal; they exit, and are freed.
    for (const Action& a : Signals(acts)) {
      frees +=
          Only(h.Feed(Event::Exited(a.service, ExitStatus::Signal(SIGTERM))), Kind::kFree).size();
    }
  }
  EXPECT_EQ(frees, 1000u);
  EXPECT_LE(h.sup().services().size(), 5u);
  size_t live = 0;
  for (const ServiceRuntime& s : h.sup().services()) live += s.Retired() ? 0 : 1;
  EXPECT_EQ(live, 3u);
}

// The runner reports a stop command it could not start; core decides what
// stops the service instead.
TEST(SupervisorStop, AStopCommandThatCannotRunFallsBackToTheStopSignal) {
  spec::ServiceSpec a = Spec("a");
  a.stop_command = spec::CommandLine{};
  a.stop_command->words = {"/nonexistent/stopper"};
  Harness h({a});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Signal(SIGTERM));
  ASSERT_EQ(Only(acts, Kind::kRunStop).size(), 1u);
  EXPECT_TRUE(Signals(acts).empty());
  acts = h.Feed(Event::StopCommandFailed(0, "exec /nonexistent/stopper: ENOENT"));
  ASSERT_EQ(Signals(acts).size(), 1u);
  EXPECT_EQ(Signals(acts)[0].signal, SIGTERM);
  EXPECT_TRUE(Logged(acts,
                     "a: stop command: exec /nonexistent/stopper: ENOENT; sending SIGTERM "
                     "instead"));
}

}  // namespace
}  // namespace core
