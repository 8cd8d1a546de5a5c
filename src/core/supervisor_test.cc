#include "core/supervisor.h"

#include <gtest/gtest.h>

#include <csignal>

namespace core {
namespace {

using base::milliseconds;
using base::seconds;
using Kind = Action::Kind;

spec::ServiceSpec Spec(std::string name,
                       spec::RestartPolicy restart = spec::RestartPolicy::kAlways) {
  spec::ServiceSpec s;
  s.name = std::move(name);
  s.command = spec::SplitCommandLine("/bin/" + s.name).command;
  s.restart = restart;
  return s;
}

// Drives a Supervisor with a fake clock and answers spawns like os/ would.
class Harness {
 public:
  explicit Harness(std::vector<spec::ServiceSpec> specs, Settings settings = {})
      : sup_(std::move(specs), settings) {}

  std::vector<Action> Feed(const Event& e) {
    std::vector<Action> all = sup_.Handle(e, now_);
    // Answer every spawn with a pid, as the runner does.
    for (size_t k = 0; k < all.size(); ++k) {
      if (all[k].kind != Kind::kSpawn) continue;
      for (Action& a : sup_.Handle(Event::Spawned(all[k].service, next_pid_++), now_)) {
        all.push_back(a);
      }
    }
    return all;
  }
  void Advance(base::Duration d) { now_ += d; }
  Supervisor& sup() { return sup_; }
  base::TimePoint now() const { return now_; }

 private:
  Supervisor sup_;
  base::TimePoint now_{seconds(1000)};
  int next_pid_ = 100;
};

std::vector<Action> Only(const std::vector<Action>& actions, Kind kind) {
  std::vector<Action> out;
  for (const Action& a : actions) {
    if (a.kind == kind) out.push_back(a);
  }
  return out;
}

bool Logged(const std::vector<Action>& actions, const std::string& needle) {
  for (const Action& a : Only(actions, Kind::kLog)) {
    if (a.text.find(needle) != std::string::npos) return true;
  }
  return false;
}

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
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].signal, SIGTERM);
  acts = h.Feed(Event::NoChildren());
  ASSERT_EQ(Only(acts, Kind::kExit).size(), 1u);
  EXPECT_EQ(Only(acts, Kind::kExit)[0].code, 6);
}

TEST(Supervisor, GracefulShutdownExitsZeroWhenServicesEndOnSigterm) {
  Harness h({Spec("a"), Spec("b")});
  h.Feed(Event::StartAll());
  auto acts = h.Feed(Event::Signal(SIGTERM));
  auto sigs = Only(acts, Kind::kSignalService);
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
  EXPECT_TRUE(Only(acts, Kind::kSignalService).empty());
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

}  // namespace
}  // namespace core
