#include "core/service_fsm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
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

// Every (state, input) pair is spelled out: a row leading somewhere, or
// marked invalid. A pair left out of the table's initializer would read as
// a row with effect none leading nowhere.
TEST(ServiceFsm, EveryPairIsARowOrExplicitlyInvalid) {
  for (int s = 0; s < kStateCount; ++s) {
    for (int i = 0; i < kInputCount; ++i) {
      Transition t = Lookup(static_cast<State>(s), static_cast<Input>(i));
      std::string pair =
          std::string(StateName(static_cast<State>(s))) + "/" + InputName(static_cast<Input>(i));
      if (t.effect == Effect::kInvalid) {
        EXPECT_TRUE(t.to.Empty()) << pair;
        continue;
      }
      size_t n = t.to.Members().size();
      if (Decides(t.effect)) {
        EXPECT_GE(n, 2u) << pair << ": an effect that decides has a choice";
      } else {
        EXPECT_EQ(n, 1u) << pair;
      }
    }
  }
}

// From idle every state can be reached, and from every state a stop leads
// down (at once, or through stopping and an exit).
TEST(ServiceFsm, EveryStateIsReachableAndEndsDown) {
  std::vector<State> seen = {State::kIdle};
  for (size_t k = 0; k < seen.size(); ++k) {
    for (int i = 0; i < kInputCount; ++i) {
      for (State to : Lookup(seen[k], static_cast<Input>(i)).to.Members()) {
        if (std::find(seen.begin(), seen.end(), to) == seen.end()) seen.push_back(to);
      }
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kStateCount));
  for (int s = 0; s < kStateCount; ++s) {
    StateSet after = Lookup(static_cast<State>(s), Input::kStop).to;
    if (after.Has(State::kStopping)) after = Lookup(State::kStopping, Input::kExited).to;
    EXPECT_TRUE(after.Has(State::kDown)) << StateName(static_cast<State>(s));
  }
}

// Each arrow of the diagram is made of rows, and each row that changes
// something is an arrow.
TEST(ServiceFsm, DiagramAndRowsAgree) {
  std::istringstream lines(DescribeDiagram());
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_EQ(line, "stateDiagram-v2");
  std::set<std::string> drawn;  // "from/input/to/effect"
  while (std::getline(lines, line)) {
    std::smatch m;
    ASSERT_TRUE(
        std::regex_match(line, m, std::regex(R"(    (\S+) --> (\S+)(: ([^/]+?)( / (.+))?)?)")))
        << line;
    if (m[1] == "[*]") continue;
    std::istringstream inputs(m[4].str());
    for (std::string in; std::getline(inputs, in, ',');) {
      if (in[0] == ' ') in.erase(0, 1);
      drawn.insert(m[1].str() + "/" + in + "/" + m[2].str() + "/" +
                   (m[6].matched ? m[6].str() : "-"));
    }
  }
  std::set<std::string> rows;
  for (int s = 0; s < kStateCount; ++s) {
    for (int i = 0; i < kInputCount; ++i) {
      Transition t = Lookup(static_cast<State>(s), static_cast<Input>(i));
      for (State to : t.to.Members()) {
        if (to == static_cast<State>(s) && t.effect == Effect::kNone) continue;
        rows.insert(std::string(StateName(static_cast<State>(s))) + "/" +
                    InputName(static_cast<Input>(i)) + "/" + StateName(to) + "/" +
                    EffectName(t.effect));
      }
    }
  }
  EXPECT_EQ(drawn, rows);
}

std::string ReadArchitectureDoc() {
  std::ifstream f(std::string(TEND_SOURCE_DIR) + "/docs/architecture.md");
  EXPECT_TRUE(f) << "docs/architecture.md not found";
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The text between "<!-- `marker`: begin" and "<!-- `marker`: end -->", from
// the line after the begin marker.
std::string Section(const std::string& doc, const std::string& marker) {
  size_t b = doc.find("<!-- " + marker + ": begin");
  size_t e = doc.find("<!-- " + marker + ": end -->");
  EXPECT_NE(b, std::string::npos) << marker;
  EXPECT_NE(e, std::string::npos) << marker;
  if (b == std::string::npos || e == std::string::npos || e < b) return "";
  b = doc.find('\n', b) + 1;
  return doc.substr(b, e - b);
}

// docs/architecture.md shows the table; it must be the code's table.
TEST(ServiceFsm, DocumentedTableMatchesTheCode) {
  std::string rows;
  std::istringstream lines(Section(ReadArchitectureDoc(), "fsm-table"));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| ", 0) == 0 && line.rfind("| from |", 0) != 0 && line.rfind("| ---", 0) != 0) {
      rows += line + "\n";
    }
  }
  EXPECT_EQ(rows, DescribeTable()) << "regenerate the table in docs/architecture.md";
}

TEST(ServiceFsm, SignalsGoWhereProcessesMayBe) {
  for (State st : {State::kRunning, State::kSettling, State::kAdopted, State::kStopping}) {
    EXPECT_TRUE(ReceivesSignals(st)) << StateName(st);
  }
  for (State st : {State::kIdle, State::kBackoff, State::kDown}) {
    EXPECT_FALSE(ReceivesSignals(st)) << StateName(st);
  }
}

// And the diagram drawn from it.
TEST(ServiceFsm, DocumentedDiagramMatchesTheCode) {
  EXPECT_EQ(Section(ReadArchitectureDoc(), "fsm-diagram"),
            "```mermaid\n" + DescribeDiagram() + "```\n")
      << "regenerate the diagram in docs/architecture.md";
}

}  // namespace
}  // namespace core
