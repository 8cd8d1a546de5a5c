// Instances (`instances = N`) reach core as services of their own that
// share a group name: a dependency on the group waits for every instance,
// the group stops after its dependents, and a reload diffs them by name.
#include <gtest/gtest.h>

#include <csignal>

#include "core/supervisor.h"
#include "core/test_harness.h"

namespace core {
namespace {

using namespace core::testing;  // NOLINT: the harness is this test's vocabulary
using base::seconds;

spec::ServiceSpec Instance(const std::string& group, int k) {
  spec::ServiceSpec s = Spec(group + "-" + std::to_string(k));
  s.group = group;
  s.instance = k;
  s.daemon = spec::DaemonMode::kNo;
  s.env = {"TEND_INSTANCE=" + std::to_string(k)};
  return s;
}

spec::ServiceSpec Web() {
  spec::ServiceSpec web = Spec("web");
  web.daemon = spec::DaemonMode::kNo;
  web.depends_on = {"worker"};
  return web;
}

TEST(Instances, ADependencyOnTheGroupWaitsForEveryInstance) {
  spec::ServiceSpec w1 = Instance("worker", 1), w2 = Instance("worker", 2);
  w1.ready_after = seconds(1);
  w2.ready_after = seconds(2);
  Harness h({w1, w2, Web()});
  auto acts = h.Feed(Event::StartAll());
  EXPECT_EQ(Only(acts, Kind::kSpawn).size(), 2u);  // both instances, not web
  h.Advance(seconds(1));
  acts = h.Feed(Event::Timer());
  EXPECT_TRUE(h.sup().Ready(0));
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());  // worker-2 is not ready yet
  h.Advance(seconds(1));
  acts = h.Feed(Event::Timer());
  ASSERT_EQ(Only(acts, Kind::kSpawn).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kSpawn)[0].service, 2u);
}

TEST(Instances, TheGroupStopsAfterItsDependents) {
  Harness h({Instance("worker", 1), Instance("worker", 2), Web()});
  h.Feed(Event::StartAll());
  auto sigs = Signals(h.Feed(Event::Signal(SIGTERM)));
  ASSERT_EQ(sigs.size(), 1u);
  EXPECT_EQ(sigs[0].service, 2u);  // web first
  sigs = Signals(h.Feed(Event::Exited(2, ExitStatus::Signal(SIGTERM))));
  EXPECT_EQ(sigs.size(), 2u);  // then every instance
}

TEST(Instances, AReloadToMoreStartsOnlyTheNewOnesAndToFewerStopsOnlyTheLast) {
  Harness h({Instance("worker", 1), Instance("worker", 2), Instance("worker", 3)});
  h.Feed(Event::StartAll());
  std::vector<spec::ServiceSpec> five;
  for (int k = 1; k <= 5; ++k) five.push_back(Instance("worker", k));
  auto acts = h.sup().Reload(five, h.now(), h.wall_ms);
  EXPECT_TRUE(Logged(acts, "reloaded: 2 added, 0 removed, 0 changed, 3 unchanged"));
  auto spawns = Only(acts, Kind::kSpawn);
  ASSERT_EQ(spawns.size(), 2u);
  EXPECT_EQ(spawns[0].service, 3u);
  EXPECT_EQ(spawns[1].service, 4u);
  EXPECT_TRUE(Signals(acts).empty());

  acts = h.sup().Reload({Instance("worker", 1), Instance("worker", 2)}, h.now(), h.wall_ms);
  EXPECT_TRUE(Logged(acts, "reloaded: 0 added, 3 removed, 0 changed, 2 unchanged"));
  auto sigs = Signals(acts);
  ASSERT_EQ(sigs.size(), 3u);
  for (const Action& a : sigs) EXPECT_GE(a.service, 2u);
  EXPECT_TRUE(Only(acts, Kind::kSpawn).empty());
}

}  // namespace
}  // namespace core
