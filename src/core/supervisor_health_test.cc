#include <gtest/gtest.h>

#include <csignal>

#include "core/supervisor.h"
#include "core/test_harness.h"

namespace core {
namespace {

using namespace core::testing;  // NOLINT: the harness is this test's vocabulary
using base::milliseconds;
using base::seconds;

spec::ProbeSpec TcpProbe(int failures = 3) {
  spec::ProbeSpec p;
  p.kind = spec::ProbeSpec::Kind::kTcp;
  p.target = "127.0.0.1:80";
  p.period = seconds(10);
  p.timeout = seconds(1);
  p.failure_threshold = failures;
  return p;
}

spec::ServiceSpec Simple(std::string name) {
  spec::ServiceSpec s = Spec(std::move(name));
  s.daemon = spec::DaemonMode::kNo;
  return s;
}

// Runs the timer at `now` and returns what it asked for.
std::vector<Action> Tick(Harness& h) { return h.Feed(Event::Timer()); }

TEST(Health, ServiceWithoutReadinessIsReadyOnceRunning) {
  Harness h({Simple("a")});
  h.Feed(Event::StartAll());
  EXPECT_TRUE(h.sup().Ready(0));
}

TEST(Health, AnAlwaysDaemonizingServiceIsReadyOnceItsDaemonIsAdopted) {
  spec::ServiceSpec a = Spec("apache2");
  a.daemon = spec::DaemonMode::kYes;
  Harness h({a});
  h.Feed(Event::StartAll());  // not running yet: its command is spawned
  EXPECT_EQ(h.svc(0).state, State::kRunning);
  EXPECT_FALSE(h.sup().Ready(0));
  h.daemons[0] = 1;
  h.Feed(Event::Exited(0, ExitStatus::Code(0)));
  EXPECT_EQ(h.svc(0).state, State::kAdopted);
  EXPECT_TRUE(h.sup().Ready(0));
}

TEST(Health, ReadyAfterGatesADependent) {
  spec::ServiceSpec db = Simple("db");
  db.ready_after = seconds(2);
  spec::ServiceSpec web = Simple("web");
  web.depends_on = {"db"};
  Harness h({db, web});
  auto acts = h.Feed(Event::StartAll());
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_FALSE(h.sup().Ready(0));
  EXPECT_EQ(h.sup().NextDeadline(), h.now() + seconds(2));
  h.Advance(seconds(2));
  acts = Tick(h);
  EXPECT_TRUE(h.sup().Ready(0));
  EXPECT_TRUE(Logged(acts, "db: ready (up for 2.0s)"));
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kSpawn)[0].service, 1u);
}

TEST(Health, NotificationMakesReady) {
  spec::ServiceSpec db = Simple("db");
  db.notify_systemd = true;
  spec::ServiceSpec web = Simple("web");
  web.depends_on = {"db"};
  Harness h({db, web});
  h.Feed(Event::StartAll());
  h.Advance(seconds(5));
  EXPECT_TRUE(Only(Tick(h), Kind::kSpawn).empty());
  Notice n;
  n.ready = true;
  n.status = "accepting connections";
  auto acts = h.Feed(Event::Notified(0, n));
  EXPECT_TRUE(h.sup().Ready(0));
  EXPECT_EQ(h.svc(0).status_text, "accepting connections");
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
}

TEST(Health, StartTimeoutFailsWaitingDependentsLoudly) {
  spec::ServiceSpec db = Simple("db");
  db.notify_fd = 3;
  db.start_timeout = seconds(30);
  spec::ServiceSpec web = Simple("web");
  web.depends_on = {"db"};
  web.critical = true;
  Harness h({db, web});
  h.Feed(Event::StartAll());
  EXPECT_EQ(h.sup().NextDeadline(), h.now() + seconds(30));
  h.Advance(seconds(30));
  auto acts = Tick(h);
  EXPECT_TRUE(Logged(acts, "db: not ready 30.0s after its start (start_timeout)"));
  EXPECT_TRUE(Logged(acts, "web: not started: its dependency db did not get ready within 30.0s"));
  EXPECT_TRUE(h.svc(1).fatal);
  EXPECT_TRUE(h.sup().ShuttingDown());  // web was critical
}

TEST(Health, ProbesRunOnScheduleAndTimeOut) {
  spec::ServiceSpec a = Simple("a");
  a.liveness = TcpProbe();
  a.liveness->initial_delay = seconds(5);
  Harness h({a});
  h.Feed(Event::StartAll());
  EXPECT_EQ(h.sup().NextDeadline(), h.now() + seconds(5));
  h.Advance(seconds(5));
  auto probes = Only(Tick(h), Kind::kProbe);
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_EQ(probes[0].probe, ProbeKind::kLiveness);
  // No answer within the timeout: cancelled, counted as a failure.
  EXPECT_EQ(h.sup().NextDeadline(), h.now() + seconds(1));
  h.Advance(seconds(1));
  auto acts = Tick(h);
  EXPECT_EQ(Only(acts, Kind::kCancelProbe).size(), 1u);
  EXPECT_EQ(h.svc(0).liveness.failures, 1);
  // The next run comes a period after the last one began.
  EXPECT_EQ(h.sup().NextDeadline(), h.now() + seconds(9));
}

// Answers every probe action with `ok` until `runs` runs have been made.
void RunProbes(Harness& h, int runs, bool ok, std::vector<Action>* log = nullptr) {
  for (int k = 0; k < runs; ++k) {
    h.Advance(*h.sup().NextDeadline() - h.now());
    for (const Action& a : Only(Tick(h), Kind::kProbe)) {
      auto acts = h.Feed(Event::Probed(a.service, a.probe, a.run, ok, ok ? "" : "refused"));
      if (log) log->insert(log->end(), acts.begin(), acts.end());
    }
  }
}

TEST(Health, LivenessFailuresRestartWithBackoffLoggedOnce) {
  spec::ServiceSpec a = Simple("a");
  a.liveness = TcpProbe(3);
  Harness h({a});
  h.Feed(Event::StartAll());
  std::vector<Action> log;
  RunProbes(h, 2, false, &log);
  EXPECT_TRUE(Signals(log).empty());
  RunProbes(h, 1, false, &log);
  auto stops = Signals(log);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].signal, SIGTERM);
  EXPECT_TRUE(
      Logged(log, "a: liveness probe (tcp 127.0.0.1:80) failed 3 times in a row (refused)"));
  EXPECT_EQ(h.svc(0).state, State::kStopping);
  // It ends; the restart policy treats it as a failure. It ran 20 s, past
  // the backoff's reset, so it starts again at once.
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  EXPECT_TRUE(Logged(acts,
                     "a: liveness probe (tcp 127.0.0.1:80) failed 3 times in a row "
                     "(refused); killed by SIGTERM after 20.0s; restarting now"));
  EXPECT_EQ(h.svc(0).state, State::kRunning);
  EXPECT_EQ(h.svc(0).Restarts(), 1);
  EXPECT_EQ(h.svc(0).liveness.failures, 0);  // counting starts afresh
}

TEST(Health, LivenessFailureOfARestartPolicyNeverServiceLeavesItDown) {
  spec::ServiceSpec a = Simple("a");
  a.restart = spec::RestartPolicy::kOnFailure;
  a.liveness = TcpProbe(1);
  Harness h({a, Simple("b")});
  h.Feed(Event::StartAll());
  RunProbes(h, 1, false);
  // It exits 0 on SIGTERM: still a failure, so on-failure restarts it.
  h.Feed(Event::Exited(0, ExitStatus::Code(0)));
  EXPECT_NE(h.svc(0).state, State::kDown);
  EXPECT_EQ(h.svc(0).Restarts() + (h.svc(0).state == State::kBackoff ? 1 : 0), 1);
}

TEST(Health, LivenessKillEscalatesToSigkill) {
  spec::ServiceSpec a = Simple("a");
  a.liveness = TcpProbe(1);
  a.stop_timeout = seconds(3);
  Harness h({a});
  h.Feed(Event::StartAll());
  RunProbes(h, 1, false);
  h.Advance(seconds(3));
  auto kills = Signals(Tick(h));
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0].signal, SIGKILL);
}

// A health kill sends the stop signal even where a stop command is set (a
// hung service may not answer it), and a stop requested meanwhile wins:
// it stays down.
TEST(Health, LivenessKillSignalsAndAStopRequestedMeanwhileKeepsItDown) {
  spec::ServiceSpec a = Simple("a");
  a.liveness = TcpProbe(1);
  a.stop_command = spec::SplitCommandLine("/bin/stop-a").command;
  Harness h({a, Simple("b")});
  h.Feed(Event::StartAll());
  std::vector<Action> log;
  RunProbes(h, 1, false, &log);
  EXPECT_TRUE(Only(log, Kind::kRunStop).empty());
  ASSERT_EQ(Signals(log).size(), 1u);
  h.sup().Control(Supervisor::ControlOp::kStop, 0, 0, h.now());
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  EXPECT_TRUE(Logged(acts, "a: killed by SIGTERM after"));
  EXPECT_TRUE(Logged(acts, "(stopped)"));
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_EQ(h.svc(0).state, State::kDown);
}

TEST(Health, ReadinessProbeTogglesReadyAndLogsChangesOnly) {
  spec::ServiceSpec a = Simple("a");
  a.readiness = TcpProbe(2);
  Harness h({a});
  h.Feed(Event::StartAll());
  EXPECT_FALSE(h.sup().Ready(0));
  std::vector<Action> log;
  RunProbes(h, 1, true, &log);
  EXPECT_TRUE(h.sup().Ready(0));
  EXPECT_TRUE(Logged(log, "a: ready (readiness probe passed)"));
  log.clear();
  RunProbes(h, 3, true, &log);
  EXPECT_TRUE(Only(log, Kind::kLog).empty());
  RunProbes(h, 4, false, &log);
  EXPECT_FALSE(h.sup().Ready(0));
  EXPECT_EQ(Only(log, Kind::kLog).size(), 1u);
  EXPECT_TRUE(Signals(log).empty());  // readiness never restarts
  RunProbes(h, 1, true);
  EXPECT_TRUE(h.sup().Ready(0));
}

TEST(Health, StaleProbeResultsAreIgnored) {
  spec::ServiceSpec a = Simple("a");
  a.readiness = TcpProbe(1);
  Harness h({a});
  h.Feed(Event::StartAll());
  auto probes = Only(Tick(h), Kind::kProbe);
  ASSERT_EQ(probes.size(), 1u);
  h.Feed(Event::Exited(0, ExitStatus::Code(1)));  // down: the run is cancelled
  h.Feed(Event::Probed(0, ProbeKind::kReadiness, probes[0].run, true));
  EXPECT_EQ(h.svc(0).readiness.status, ProbeStatus::kUnknown);
}

TEST(Health, WatchdogRestartsAServiceThatStopsPinging) {
  spec::ServiceSpec a = Simple("a");
  a.watchdog = seconds(10);
  Harness h({a});
  h.Feed(Event::StartAll());
  Notice ping;
  ping.watchdog = true;
  for (int k = 0; k < 3; ++k) {
    h.Advance(seconds(8));
    EXPECT_TRUE(Signals(Tick(h)).empty());
    h.Feed(Event::Notified(0, ping));
  }
  h.Advance(seconds(10));
  auto acts = Tick(h);
  ASSERT_EQ(Signals(acts).size(), 1u);
  EXPECT_TRUE(Logged(acts, "watchdog: no WATCHDOG=1 for 10.0s"));
}

TEST(Health, ProbesStopAtShutdown) {
  spec::ServiceSpec a = Simple("a");
  a.liveness = TcpProbe(1);
  Harness h({a});
  h.Feed(Event::StartAll());
  auto probes = Only(Tick(h), Kind::kProbe);
  ASSERT_EQ(probes.size(), 1u);
  auto acts = h.Feed(Event::Signal(SIGTERM));
  EXPECT_EQ(Only(acts, Kind::kCancelProbe).size(), 1u);
  acts = h.Feed(Event::Probed(0, ProbeKind::kLiveness, probes[0].run, false, "refused"));
  EXPECT_TRUE(Signals(acts).empty());
}

}  // namespace
}  // namespace core
