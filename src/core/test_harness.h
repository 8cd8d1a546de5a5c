// Test-only: drives a Supervisor with a fake clock and answers its spawns
// and scans the way the runner would. Shared by the Supervisor's tests.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/supervisor.h"

namespace core::testing {

using Kind = Action::Kind;

inline spec::ServiceSpec Spec(std::string name,
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
    std::vector<Action> all = sup_.Handle(e, now_, wall_ms);
    // Answer every spawn with a pid and every scan with the fake process
    // table, as the runner does.
    for (size_t k = 0; k < all.size(); ++k) {
      std::optional<Event> answer;
      size_t i = all[k].service;
      if (all[k].kind == Kind::kSpawn) answer = Event::Spawned(i, next_pid_++);
      if (all[k].kind == Kind::kScan && lineage.count(i)) {
        answer = Event::Lineage(i, daemons[i], daemons[i] ? "77" : "", polled, lineage[i]);
      } else if (all[k].kind == Kind::kScan) {
        answer = Event::Scanned(i, daemons[i], daemons[i] ? "77" : "", leftovers, polled);
      }
      if (!answer) continue;
      for (Action& a : sup_.Handle(*answer, now_, wall_ms)) all.push_back(a);
    }
    // A transition the table does not allow is a bug, whatever the test.
    for (const Action& a : all) {
      EXPECT_EQ(a.text.find("internal error"), std::string::npos) << a.text;
    }
    return all;
  }
  std::map<size_t, int> daemons;  // service -> matching processes found
  // service -> what its command left, when lineage answers its looks
  std::map<size_t, std::string> lineage;
  bool leftovers = false;
  bool polled = false;
  void Advance(base::Duration d) {
    now_ += d;
    wall_ms += std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  }
  int64_t wall_ms = 1795309320000;  // 2026-11-22T01:02:00Z
  Supervisor& sup() { return sup_; }
  const ServiceRuntime& svc(size_t i) { return sup_.services()[i]; }
  base::TimePoint now() const { return now_; }

 private:
  Supervisor sup_;
  base::TimePoint now_{base::seconds(1000)};
  int next_pid_ = 100;
};

inline std::vector<Action> Only(const std::vector<Action>& actions, Kind kind) {
  std::vector<Action> out;
  for (const Action& a : actions) {
    if (a.kind == kind) out.push_back(a);
  }
  return out;
}

// The signals sent to services, without the SIGCONT that follows each stop
// signal (SupervisorStop.StopSignalIsFollowedBySigcont checks that one).
inline std::vector<Action> Signals(const std::vector<Action>& actions) {
  std::vector<Action> out;
  for (const Action& a : actions) {
    if (a.kind == Kind::kSignalService && a.signal != SIGCONT) out.push_back(a);
  }
  return out;
}

inline bool Logged(const std::vector<Action>& actions, const std::string& needle) {
  for (const Action& a : Only(actions, Kind::kLog)) {
    if (a.text.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace core::testing
