#include "core/service_view.h"

#include <gtest/gtest.h>

#include <csignal>

#include "core/test_harness.h"

namespace core {
namespace {

using namespace core::testing;  // NOLINT: the harness is this test's vocabulary
using base::milliseconds;
using base::seconds;

spec::ServiceSpec Simple(std::string name,
                         spec::RestartPolicy restart = spec::RestartPolicy::kAlways) {
  spec::ServiceSpec s = Spec(std::move(name), restart);
  s.daemon = spec::DaemonMode::kNo;
  return s;
}

spec::ProbeSpec FailFast() {
  spec::ProbeSpec p;
  p.kind = spec::ProbeSpec::Kind::kTcp;
  p.target = "127.0.0.1:80";
  p.period = seconds(1);
  p.timeout = seconds(1);
  p.failure_threshold = 1;
  return p;
}

// Runs the probes due next, answering each with `ok`.
void Probe(Harness& h, bool ok) {
  h.Advance(*h.sup().NextDeadline() - h.now());
  for (const Action& a : Only(h.Feed(Event::Timer()), Kind::kProbe)) {
    h.Feed(Event::Probed(a.service, a.probe, a.run, ok, ok ? "" : "refused"));
  }
}

ServiceView View(Harness& h, size_t i, std::vector<int> daemons = {}) {
  return ViewOf(h.sup(), i, h.now(), std::move(daemons));
}

TEST(ServiceView, ARunningServiceIsUpReadyAndHealthy) {
  Harness h({Simple("web")});
  h.Feed(Event::StartAll());
  h.Advance(seconds(5));
  ServiceView v = View(h, 0);
  EXPECT_EQ(v.name, "web");
  EXPECT_EQ(v.state, "running");
  EXPECT_TRUE(v.up && v.ready && v.healthy);
  EXPECT_EQ(v.why, "");
  EXPECT_FALSE(v.daemon);
  EXPECT_EQ(v.health, "-");
  EXPECT_FALSE(v.live);
  EXPECT_EQ(v.pid, 100);
  EXPECT_EQ(v.pids, std::vector<int>{100});
  EXPECT_EQ(v.uptime, seconds(5));
  EXPECT_EQ(v.started, h.now() - seconds(5));
  EXPECT_EQ(v.restarts, 0);
  EXPECT_FALSE(v.last_exit);
  EXPECT_FALSE(v.last_exit_code);
}

TEST(ServiceView, AServiceInBackoffIsNeitherUpNorReadyAndSaysSo) {
  Harness h({Simple("web")});
  h.Feed(Event::StartAll());
  h.Feed(Event::Exited(0, ExitStatus::Signal(SIGKILL)));  // restarted at once
  h.Feed(Event::Exited(0, ExitStatus::Code(3)));          // then backs off
  ServiceView v = View(h, 0);
  EXPECT_EQ(v.state, "backoff");
  EXPECT_FALSE(v.up || v.ready || v.healthy);
  EXPECT_EQ(v.why, "backoff");
  EXPECT_EQ(v.pid, 0);
  EXPECT_TRUE(v.pids.empty());
  EXPECT_EQ(v.uptime, base::Duration{});
  EXPECT_FALSE(v.started);
  EXPECT_EQ(v.restarts, 1);
  EXPECT_EQ(v.last_exit, "exited with status 3");
  EXPECT_EQ(v.last_exit_code, 3);
}

TEST(ServiceView, AStoppedServiceIsStopped) {
  Harness h({Simple("web")});
  h.Feed(Event::StartAll());
  h.sup().Control(Supervisor::ControlOp::kStop, 0, 0, h.now());
  EXPECT_EQ(View(h, 0).state, "stopping");
  EXPECT_FALSE(View(h, 0).up);
  h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  ServiceView v = View(h, 0);
  EXPECT_EQ(v.state, "stopped");
  EXPECT_EQ(v.why, "stopped");
  EXPECT_EQ(v.last_exit_code, 128 + SIGTERM);
}

// A oneshot is up while it runs (so it has an uptime), healthy once done.
TEST(ServiceView, AOneshotIsUpWhileItRunsAndHealthyOnceDone) {
  spec::ServiceSpec prep = Simple("prep", spec::RestartPolicy::kNever);
  prep.type = spec::ServiceType::kOneshot;
  Harness h({prep, Simple("web")});
  h.Feed(Event::StartAll());
  h.Advance(seconds(2));
  ServiceView v = View(h, 0);
  EXPECT_EQ(v.state, "running");
  EXPECT_TRUE(v.up);
  EXPECT_EQ(v.uptime, seconds(2));
  EXPECT_FALSE(v.ready || v.healthy);
  EXPECT_EQ(v.why, "oneshot not done (running)");
  h.Feed(Event::Exited(0, ExitStatus::Code(0)));
  v = View(h, 0);
  EXPECT_EQ(v.state, "done");
  EXPECT_FALSE(v.up);
  EXPECT_EQ(v.uptime, base::Duration{});
  EXPECT_TRUE(v.ready && v.healthy);
}

TEST(ServiceView, ReadinessSaysWhyNotReady) {
  spec::ServiceSpec web = Simple("web");
  web.readiness = FailFast();
  Harness h({web});
  h.Feed(Event::StartAll());
  ServiceView v = View(h, 0);
  EXPECT_TRUE(v.up);
  EXPECT_FALSE(v.ready || v.healthy);
  EXPECT_EQ(v.why, "not ready");
  Probe(h, false);
  EXPECT_EQ(View(h, 0).why, "not ready: readiness probe failing (refused)");
  Probe(h, true);
  EXPECT_TRUE(View(h, 0).healthy);
}

TEST(ServiceView, AFailingLivenessProbeIsUnhealthy) {
  spec::ServiceSpec web = Simple("web");
  web.liveness = FailFast();
  Harness h({web});
  h.Feed(Event::StartAll());
  ServiceView v = View(h, 0);
  EXPECT_EQ(v.health, "unknown");
  EXPECT_FALSE(v.live);
  Probe(h, true);
  v = View(h, 0);
  EXPECT_EQ(v.health, "passing");
  EXPECT_EQ(v.live, true);
  EXPECT_TRUE(v.healthy);
  Probe(h, false);  // tend sends its stop signal; until it ends, it is unhealthy
  v = View(h, 0);
  EXPECT_EQ(v.health, "failing");
  EXPECT_EQ(v.live, false);
  EXPECT_FALSE(v.healthy);
  EXPECT_EQ(v.why, "liveness probe failing (refused)");
}

TEST(ServiceView, AnAdoptedDaemonShowsTheDaemonsPids) {
  spec::ServiceSpec a = Spec("apache2");
  a.match.pattern = "apache2";
  a.daemon = spec::DaemonMode::kAuto;
  Harness h({a});
  h.Feed(Event::StartAll());
  h.daemons[0] = 2;
  h.Feed(Event::Exited(0, ExitStatus::Code(0)));
  ServiceView v = View(h, 0, {300, 301});
  EXPECT_EQ(v.state, "adopted");
  EXPECT_TRUE(v.up && v.daemon && v.ready);
  EXPECT_EQ(v.pid, 300);  // no main process any more: the first daemon's
  EXPECT_EQ(v.pids, (std::vector<int>{300, 301}));
  EXPECT_EQ(v.last_exit, "exited with status 0");
}

TEST(ServiceView, ViewsLeaveOutRemovedServices) {
  Harness h({Simple("a"), Simple("b")});
  h.Feed(Event::StartAll());
  h.sup().Reload({Simple("b")}, h.now());
  std::vector<ServiceView> views =
      Views(h.sup(), h.now(), [](size_t i) { return std::vector<int>{static_cast<int>(i) + 500}; });
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].name, "b");
  EXPECT_EQ(views[0].index, 1u);
  EXPECT_EQ(views[0].pids, (std::vector<int>{101, 501}));
  EXPECT_FALSE(Listed(h.sup(), 0));
}

TEST(ServiceView, JudgedAreTheCriticalOnesUnlessAllOrNone) {
  spec::ServiceSpec core = Simple("core");
  core.critical = true;
  Harness h({Simple("web"), core});
  std::vector<ServiceView> views = Views(h.sup(), h.now());
  ASSERT_EQ(Judged(views, false).size(), 1u);
  EXPECT_EQ(Judged(views, false)[0].name, "core");
  EXPECT_EQ(Judged(views, true).size(), 2u);
  Harness none({Simple("web"), Simple("db")});
  EXPECT_EQ(Judged(Views(none.sup(), none.now()), false).size(), 2u);
}

}  // namespace
}  // namespace core
