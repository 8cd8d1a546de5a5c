#include <gtest/gtest.h>

#include <csignal>

#include "core/supervisor.h"
#include "core/test_harness.h"

namespace core {
namespace {

using namespace core::testing;  // NOLINT: the harness is this test's vocabulary
using base::milliseconds;
using base::seconds;

std::vector<LifecycleEvent> Events(const std::vector<Action>& actions) {
  std::vector<LifecycleEvent> out;
  for (const Action& a : Only(actions, Kind::kEvent)) out.push_back(*a.event);
  return out;
}

std::vector<std::string> Kinds(const std::vector<Action>& actions) {
  std::vector<std::string> out;
  for (const LifecycleEvent& e : Events(actions)) out.emplace_back(EventKindName(e.kind));
  return out;
}

spec::ServiceSpec Simple(std::string name) {
  spec::ServiceSpec s = Spec(std::move(name));
  s.daemon = spec::DaemonMode::kNo;
  return s;
}

TEST(Events, ACrashIsAnExitThenARestart) {
  Harness h({Simple("web")});
  EXPECT_EQ(Kinds(h.Feed(Event::StartAll())), (std::vector<std::string>{"started"}));
  h.Advance(seconds(3));
  auto acts = h.Feed(Event::Exited(0, ExitStatus::Signal(SIGKILL)));
  auto events = Events(acts);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0].kind, EventKind::kExited);
  EXPECT_EQ(events[0].name, "web");
  EXPECT_EQ(events[0].pid, 100);
  EXPECT_EQ(events[0].status->Describe(), "killed by SIGKILL");
  EXPECT_EQ(events[0].ran, seconds(3));
  EXPECT_EQ(events[1].kind, EventKind::kRestarting);
  ASSERT_TRUE(events[1].delay.has_value());
}

TEST(Events, ReadyHealthAndFatal) {
  spec::ServiceSpec web = Simple("web");
  web.notify_systemd = true;
  web.watchdog = seconds(2);
  web.start_limit = 1;
  Harness h({web});
  h.Feed(Event::StartAll());
  Notice ready;
  ready.ready = ready.watchdog = true;
  auto events = Events(h.Feed(Event::Notified(0, ready)));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kReady);
  EXPECT_EQ(events[0].why, "READY=1");
  h.Advance(seconds(2));
  events = Events(h.Feed(Event::Timer()));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kUnhealthy);
  EXPECT_EQ(events[0].probe, "watchdog");
  auto kinds = Kinds(h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM))));
  EXPECT_EQ(kinds, (std::vector<std::string>{"exited", "fatal"}));
}

TEST(Events, StoppedSaysWhy) {
  Harness h({Simple("web"), Simple("job")});
  h.Feed(Event::StartAll());
  h.sup().Control(Supervisor::ControlOp::kStop, 0, 0, h.now());
  auto events = Events(h.Feed(Event::Exited(0, ExitStatus::Signal(SIGTERM))));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, EventKind::kStopped);
  EXPECT_EQ(events[1].why, "stop requested");
}

TEST(Events, AReloadListsWhatChanged) {
  Harness h({Simple("a"), Simple("b")});
  h.Feed(Event::StartAll());
  spec::ServiceSpec b = Simple("b");
  b.env = {"X=1"};
  auto events = Events(h.sup().Reload({b, Simple("c")}, h.now()));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind, EventKind::kReload);
  EXPECT_EQ(events[0].added, std::vector<std::string>{"c"});
  EXPECT_EQ(events[0].removed, std::vector<std::string>{"a"});
  EXPECT_EQ(events[0].changed, std::vector<std::string>{"b"});
}

TEST(Events, AnAdoptedDaemon) {
  spec::ServiceSpec apache = Spec("apache2");
  apache.daemon = spec::DaemonMode::kYes;
  Harness h({apache});
  h.Feed(Event::StartAll());
  h.daemons[0] = 1;
  auto events = Events(h.Feed(Event::Exited(0, ExitStatus::Code(0))));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, EventKind::kAdopted);
  EXPECT_EQ(events[1].pids, "77");
  events = Events(h.Feed(Event::DaemonGone(0, 77, ExitStatus::Code(1))));
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0].kind, EventKind::kExited);
  EXPECT_EQ(events[0].pid, 77);
}

TEST(ShutdownTasks, RunAfterTheServicesStopOneAtATimeThenTendExits) {
  spec::ServiceSpec web = Simple("web");
  spec::ServiceSpec flush = Simple("flush");
  flush.type = spec::ServiceType::kOneshot;
  flush.at_shutdown = true;
  spec::ServiceSpec report = flush;
  report.name = "report";
  Harness h({flush, web, report});
  auto acts = h.Feed(Event::StartAll());
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);  // web only
  EXPECT_EQ(Only(acts, Kind::kSpawn)[0].service, 1u);
  acts = h.Feed(Event::Signal(SIGTERM));
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());  // web first
  acts = h.Feed(Event::Exited(1, ExitStatus::Signal(SIGTERM)));
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kSpawn)[0].service, 0u);
  EXPECT_TRUE(Logged(acts, "running shutdown tasks"));
  acts = h.Feed(Event::Exited(0, ExitStatus::Code(0)));
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kSpawn)[0].service, 2u);
  acts = h.Feed(Event::Exited(2, ExitStatus::Code(4)));
  EXPECT_TRUE(Logged(acts, "report: exited with status 4 after 0ms (shutdown task failed)"));
  acts = h.Feed(Event::NoChildren());  // the leftovers' SIGTERM found none
  auto exits = Only(acts, Kind::kExit);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].code, 4);
}

// A hook can be set for every event of a service: the config's list is the
// event kinds' names but tend's own reload.
TEST(Events, HookEventsAreTheServiceEvents) {
  std::vector<std::string> kinds;
  for (int k = 0; k <= static_cast<int>(EventKind::kReload); ++k) {
    auto kind = static_cast<EventKind>(k);
    if (kind != EventKind::kReload) kinds.emplace_back(EventKindName(kind));
  }
  std::vector<std::string> hooks(std::begin(spec::kHookEvents), std::end(spec::kHookEvents));
  EXPECT_EQ(hooks, kinds);
}

}  // namespace
}  // namespace core
