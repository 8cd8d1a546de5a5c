#include "core/service_fsm.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace core {
namespace {

TEST(ServiceFsm, EveryStateCanBeStoppedAndEndsDownOrStopping) {
  for (int s = 0; s < kStateCount; ++s) {
    Transition t = Lookup(static_cast<State>(s), Input::kStop);
    EXPECT_TRUE(t.to == StateSet{State::kDown} || t.to == StateSet{State::kStopping});
    EXPECT_NE(t.effect, Effect::kInvalid);
  }
}

TEST(ServiceFsm, OnlyARunningOrStoppingServiceCanExit) {
  for (int s = 0; s < kStateCount; ++s) {
    State st = static_cast<State>(s);
    bool can_exit = st == State::kRunning || st == State::kStopping;
    EXPECT_EQ(Lookup(st, Input::kExited).effect != Effect::kInvalid, can_exit) << StateName(st);
  }
}

TEST(ServiceFsm, SpawnAlwaysLeadsToRunning) {
  for (int s = 0; s < kStateCount; ++s) {
    for (int i = 0; i < kInputCount; ++i) {
      Transition t = Lookup(static_cast<State>(s), static_cast<Input>(i));
      if (t.effect == Effect::kSpawn) {
        EXPECT_EQ(t.to, StateSet{State::kRunning});
      }
    }
  }
}

TEST(ServiceFsm, StoppingIgnoresStartAndStopAndEscalatesOnItsTimer) {
  for (Input in : {Input::kStart, Input::kStop}) {
    Transition t = Lookup(State::kStopping, in);
    EXPECT_EQ(t.to, StateSet{State::kStopping});
    EXPECT_EQ(t.effect, Effect::kNone);
  }
  EXPECT_EQ(Lookup(State::kStopping, Input::kTimer).effect, Effect::kKill);
}

// A health kill is a stop: the same row effect, so the same SIGKILL
// escalation, and only where the service serves.
TEST(ServiceFsm, AnUnhealthyServiceIsStoppedLikeAnyOther) {
  for (int s = 0; s < kStateCount; ++s) {
    State st = static_cast<State>(s);
    Transition t = Lookup(st, Input::kUnhealthy);
    if (st == State::kRunning || st == State::kAdopted) {
      EXPECT_EQ(t.effect, Lookup(st, Input::kStop).effect);
      EXPECT_EQ(t.to, Lookup(st, Input::kStop).to);
    } else {
      EXPECT_EQ(t.effect, Effect::kInvalid) << StateName(st);
    }
  }
}

// docs/architecture.md shows the table; it must be the code's table.
TEST(ServiceFsm, DocumentedTableMatchesTheCode) {
  std::ifstream f(std::string(TEND_SOURCE_DIR) + "/docs/architecture.md");
  ASSERT_TRUE(f) << "docs/architecture.md not found";
  std::stringstream ss;
  ss << f.rdbuf();
  std::string doc = ss.str();
  const std::string begin = "<!-- fsm-table: begin", end = "<!-- fsm-table: end -->";
  size_t b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  std::string section = doc.substr(b, e - b);
  std::string rows;
  std::istringstream lines(section);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| ", 0) == 0 && line.rfind("| from |", 0) != 0 && line.rfind("| ---", 0) != 0) {
      rows += line + "\n";
    }
  }
  EXPECT_EQ(rows, DescribeTable()) << "regenerate the table in docs/architecture.md";
}

}  // namespace
}  // namespace core
