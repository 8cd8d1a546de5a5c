#include <gtest/gtest.h>

#include <csignal>

#include "core/service_view.h"
#include "core/supervisor.h"
#include "core/test_harness.h"

namespace core {
namespace {

using namespace core::testing;  // NOLINT: the harness is this test's vocabulary
using base::milliseconds;
using base::seconds;
using Op = Supervisor::ControlOp;

// A server on a held socket that says when it is ready (sd_notify).
spec::ServiceSpec Server(std::string name = "web") {
  spec::ServiceSpec s = Spec(std::move(name));
  s.daemon = spec::DaemonMode::kNo;
  s.notify_systemd = true;
  s.start_timeout = seconds(5);
  spec::SocketSpec sock;
  sock.path = "/run/web.sock";
  sock.kind = spec::SocketSpec::Kind::kUnix;
  s.listen = {sock};
  return s;
}

Event Ready(size_t i) {
  Notice n;
  n.ready = true;
  return Event::Notified(i, n);
}

// Service 0 started and ready.
void Up(Harness& h) {
  h.Feed(Event::StartAll());
  h.Feed(Ready(0));
  ASSERT_TRUE(h.sup().Ready(0));
}

std::vector<Action> Restart(Harness& h, size_t i = 0) {
  return h.sup().Control(Op::kRestart, i, 0, h.now());
}

// Control's actions answered like the harness answers events' (spawns).
std::vector<Action> Answer(Harness& h, const std::vector<Action>& acts) {
  std::vector<Action> all = acts;
  for (const Action& a : acts) {
    if (a.kind != Kind::kSpawn) continue;
    for (const Action& b : h.Feed(Event::Spawned(a.service, 500 + static_cast<int>(a.service)))) {
      all.push_back(b);
    }
  }
  return all;
}

std::vector<size_t> ListedSlots(Harness& h) {
  std::vector<size_t> out;
  for (size_t i = 0; i < h.sup().services().size(); ++i) {
    if (Listed(h.sup(), i)) out.push_back(i);
  }
  return out;
}

TEST(StartFirst, RestartStartsTheNewInstanceBeforeStoppingTheOld) {
  Harness h({Server()});
  Up(h);
  auto acts = Answer(h, Restart(h));
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  size_t j = Only(acts, Kind::kSpawn)[0].service;
  EXPECT_EQ(j, 1u);
  EXPECT_TRUE(Signals(acts).empty());  // the old one serves on
  EXPECT_EQ(ListedSlots(h), std::vector<size_t>{0});
  EXPECT_TRUE(h.sup().Ready(0));

  acts = h.Feed(Ready(j));
  auto sig = Signals(acts);
  ASSERT_EQ(sig.size(), 1u);
  EXPECT_EQ(sig[0].service, 0u);
  EXPECT_EQ(sig[0].signal, SIGTERM);
  EXPECT_TRUE(Logged(acts, "web: the new instance (pid 501) is ready; stopping the old one"));
  EXPECT_EQ(ListedSlots(h), std::vector<size_t>{1});
  EXPECT_EQ(h.svc(1).Restarts(), 1);

  acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  ASSERT_EQ(Only(acts, Kind::kFree).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kFree)[0].service, 0u);
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_EQ(h.svc(1).state, State::kRunning);
}

TEST(StartFirst, ManyRestartsReuseTwoSlots) {
  Harness h({Server()});
  Up(h);
  size_t current = 0;
  for (int k = 0; k < 100; ++k) {
    auto acts = Answer(h, Restart(h, current));
    ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u) << k;
    size_t j = Only(acts, Kind::kSpawn)[0].service;
    h.Feed(Ready(j));
    h.Feed(Event::Exited(current, ExitStatus::Signal(SIGTERM)));
    current = j;
  }
  EXPECT_EQ(h.sup().services().size(), 2u);
  EXPECT_EQ(h.svc(current).Restarts(), 100);
  EXPECT_EQ(ListedSlots(h), std::vector<size_t>{current});
}

TEST(StartFirst, ANewInstanceNotReadyInTimeIsStoppedAndTheOldServesOn) {
  Harness h({Server()});
  Up(h);
  Answer(h, Restart(h));
  h.Advance(seconds(5));
  auto acts = h.Feed(Event::Timer());
  auto sig = Signals(acts);
  ASSERT_EQ(sig.size(), 1u);
  EXPECT_EQ(sig[0].service, 1u);
  EXPECT_TRUE(Logged(acts, "web: its new instance (pid 501) was not ready 5.0s after its start"));
  EXPECT_TRUE(Logged(acts, "the old one (pid 100) serves on"));
  acts = h.Feed(Event::Exited(1, ExitStatus::Signal(SIGTERM)));
  EXPECT_EQ(Only(acts, Kind::kFree).size(), 1u);
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_EQ(ListedSlots(h), std::vector<size_t>{0});
  EXPECT_TRUE(h.sup().Ready(0));
  // A later restart tries again, in the freed slot.
  acts = Answer(h, Restart(h));
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kSpawn)[0].service, 1u);
}

TEST(StartFirst, ANewInstanceThatEndsUnreadyIsNotRestarted) {
  Harness h({Server()});
  Up(h);
  Answer(h, Restart(h));
  auto acts = h.Feed(Event::Exited(1, ExitStatus::Code(3)));
  EXPECT_TRUE(
      Logged(acts, "web: its new instance ended before it was ready (exited with status 3)"));
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_TRUE(Signals(acts).empty());
  EXPECT_EQ(Only(acts, Kind::kFree).size(), 1u);
  EXPECT_EQ(h.svc(0).state, State::kRunning);
  EXPECT_TRUE(h.sup().Ready(0));
}

TEST(StartFirst, StopFirstOrderStopsTheOldOneFirst) {
  spec::ServiceSpec web = Server();
  web.restart_order = spec::RestartOrder::kStopFirst;
  Harness h({web});
  Up(h);
  auto acts = Restart(h);
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  ASSERT_EQ(Signals(acts).size(), 1u);
  EXPECT_EQ(Signals(acts)[0].service, 0u);
}

TEST(StartFirst, NeedsHeldSocketsAndAReadinessSignal) {
  spec::ServiceSpec no_sockets = Server();
  no_sockets.listen.clear();
  spec::ServiceSpec no_readiness = Server();
  no_readiness.notify_systemd = false;
  for (const spec::ServiceSpec& web : {no_sockets, no_readiness}) {
    Harness h({web});
    h.Feed(Event::StartAll());
    h.Feed(Ready(0));
    auto acts = Restart(h);
    EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
    EXPECT_EQ(Signals(acts).size(), 1u);
  }
}

TEST(StartFirst, AnUnreadyServiceIsRestartedStopFirst) {
  Harness h({Server()});
  h.Feed(Event::StartAll());  // running, not ready: it does not serve yet
  auto acts = Restart(h);
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_EQ(Signals(acts).size(), 1u);
}

TEST(StartFirst, AReloadThatChangesItReplacesItStartFirst) {
  Harness h({Server()});
  Up(h);
  spec::ServiceSpec changed = Server();
  changed.env = {"A=2"};
  auto acts = Answer(h, h.sup().Reload({changed}, h.now()));
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_TRUE(Signals(acts).empty());
  EXPECT_EQ(h.svc(1).spec.env, changed.env);
  // The same configuration again: nothing more to do.
  acts = h.sup().Reload({changed}, h.now());
  EXPECT_TRUE(Logged(acts, "0 changed, 1 unchanged"));
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  h.Feed(Ready(1));
  EXPECT_EQ(ListedSlots(h), std::vector<size_t>{1});
  EXPECT_EQ(h.svc(0).want, Want::kRetired);
}

TEST(StartFirst, AReloadThatRemovesItStopsBothInstances) {
  Harness h({Server(), Spec("other")});
  Up(h);
  Answer(h, Restart(h));
  size_t j = h.svc(0).successor.value();
  auto acts = h.sup().Reload({Spec("other")}, h.now());
  EXPECT_TRUE(Logged(acts, "0 added, 1 removed"));
  std::vector<size_t> stopped;
  for (const Action& a : Signals(acts)) stopped.push_back(a.service);
  std::sort(stopped.begin(), stopped.end());
  EXPECT_EQ(stopped, (std::vector<size_t>{0, j}));
}

TEST(StartFirst, AStopRequestStopsBothAndARestartRequestWaitsForTheNewOne) {
  Harness h({Server()});
  Up(h);
  Answer(h, Restart(h));
  auto acts = Restart(h);  // already under way
  EXPECT_TRUE(Logged(acts, "its new instance is already starting"));
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_TRUE(Signals(acts).empty());
  acts = h.sup().Control(Op::kStop, 0, 0, h.now());
  EXPECT_EQ(Signals(acts).size(), 2u);
  EXPECT_TRUE(Logged(acts, "is not needed: stop requested"));
}

TEST(StartFirst, TheOldOneCrashingMeanwhileFollowsItsPolicyAndIsRetiredOnceTheNewIsReady) {
  Harness h({Server()});
  Up(h);
  Answer(h, Restart(h));
  h.Feed(Event::Exited(0, ExitStatus::Signal(SIGKILL)));  // restarted by its policy
  EXPECT_NE(h.svc(0).state, State::kDown);
  h.Advance(seconds(1));
  h.Feed(Event::Timer());
  auto acts = h.Feed(Ready(1));
  EXPECT_TRUE(Logged(acts, "is ready; stopping the old one"));
  EXPECT_EQ(ListedSlots(h), std::vector<size_t>{1});
}

TEST(StartFirst, TheNextReplacementWaitsUntilTheLastOldInstanceIsGone) {
  Harness h({Server()});
  Up(h);
  Answer(h, Restart(h));
  h.Feed(Ready(1));  // slot 0 is stopping now
  auto acts = Restart(h, 1);
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
  EXPECT_TRUE(Signals(acts).empty());  // waits: neither a second stopping one nor stop-first
  acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM)));
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kSpawn)[0].service, 0u);  // the freed slot
  EXPECT_TRUE(Signals(acts).empty());
}

}  // namespace
}  // namespace core
