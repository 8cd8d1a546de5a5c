#include "core/service_fsm.h"

#include <utility>

namespace core {
namespace {

using S = State;
using E = Effect;

// One row: the state it leads to, and the effect carried out.
constexpr Transition To(State next, Effect effect = Effect::kNone) { return {{next}, effect}; }
// A row whose effect picks the next state among `to`.
constexpr Transition Pick(StateSet to, Effect effect) { return {to, effect}; }
// A pair that cannot happen: its input never comes in that state.
constexpr Transition X{{}, Effect::kInvalid};

// What the restart policy may pick: back off (or restart at once, through
// the backoff/timer row), or go down for good.
constexpr StateSet kPolicy = {S::kBackoff, S::kDown};
// After its main processes ended: the restart policy, or first stopping
// what they left (kill_mode "group").
constexpr StateSet kAfterEnd = {S::kStopping, S::kBackoff, S::kDown};

// kTable[state][input], every pair spelled out.
// clang-format off
constexpr Transition kTable[kStateCount][kInputCount] = {
  //              start                       exited                      timer                       stop
  //              adopt                       missing                     gone                        wait
  //              fail                        unhealthy
  /* Idle */     {To(S::kRunning, E::kSpawn), X,                          To(S::kIdle),               To(S::kDown),
                  To(S::kAdopted),            X,                          X,                          Pick(kPolicy, E::kSchedule),
                  To(S::kDown, E::kFatal),    X},
  /* Running */  {To(S::kRunning),            Pick({S::kSettling, S::kStopping, S::kBackoff, S::kDown}, E::kDecide),
                                                                          To(S::kRunning),            To(S::kStopping, E::kSendStop),
                  X,                          X,                          X,                          X,
                  X,                          To(S::kStopping, E::kSendStop)},
  /* Settling */ {To(S::kSettling),           X,                          To(S::kSettling, E::kScan), To(S::kDown),
                  To(S::kAdopted),            Pick(kPolicy, E::kRestart), X,                          X,
                  X,                          X},
  /* Adopted */  {To(S::kAdopted),            X,                          To(S::kAdopted, E::kScan),  To(S::kStopping, E::kSendStop),
                  To(S::kAdopted),            Pick(kPolicy, E::kRestart), Pick(kAfterEnd, E::kRestart), X,
                  X,                          To(S::kStopping, E::kSendStop)},
  /* Backoff */  {To(S::kRunning, E::kSpawn), X,                          To(S::kRunning, E::kSpawn), To(S::kDown),
                  X,                          X,                          X,                          X,
                  X,                          X},
  /* Stopping */ {To(S::kStopping),           Pick(kAfterEnd, E::kEndStop), To(S::kStopping, E::kKill), To(S::kStopping),
                  To(S::kStopping),           To(S::kDown),               Pick(kAfterEnd, E::kEndStop), X,
                  X,                          X},
  /* Down */     {To(S::kRunning, E::kSpawn), X,                          To(S::kDown),               To(S::kDown),
                  X,                          X,                          X,                          X,
                  To(S::kDown, E::kFatal),    X},
};
// clang-format on

}  // namespace

std::vector<State> StateSet::Members() const {
  std::vector<State> out;
  for (int s = 0; s < kStateCount; ++s) {
    if (Has(static_cast<State>(s))) out.push_back(static_cast<State>(s));
  }
  return out;
}

Transition Lookup(State state, Input input) {
  return kTable[static_cast<int>(state)][static_cast<int>(input)];
}

bool Decides(Effect effect) {
  return effect == Effect::kDecide || effect == Effect::kRestart || effect == Effect::kSchedule ||
         effect == Effect::kEndStop;
}

const char* StateName(State state) {
  static constexpr const char* kNames[] = {"idle",    "running",  "settling", "adopted",
                                           "backoff", "stopping", "down"};
  return kNames[static_cast<int>(state)];
}

const char* InputName(Input input) {
  static constexpr const char* kNames[] = {"start",   "exited", "timer", "stop", "adopt",
                                           "missing", "gone",   "wait",  "fail", "unhealthy"};
  return kNames[static_cast<int>(input)];
}

const char* EffectName(Effect effect) {
  static constexpr const char* kNames[] = {"-",        "spawn",     "decide",       "restart",
                                           "scan",     "send stop", "send SIGKILL", "end stop",
                                           "schedule", "fatal",     "invalid"};
  return kNames[static_cast<int>(effect)];
}

bool ReceivesSignals(State state) {
  return state == State::kRunning || state == State::kSettling || state == State::kAdopted ||
         state == State::kStopping;
}

std::string DescribeTable() {
  std::string out;
  for (int s = 0; s < kStateCount; ++s) {
    for (int i = 0; i < kInputCount; ++i) {
      Transition t = kTable[s][i];
      if (t.effect == Effect::kInvalid) continue;
      std::string to;
      for (State next : t.to.Members())
        to += (to.empty() ? "" : " or ") + std::string(StateName(next));
      out += std::string("| ") + StateName(static_cast<State>(s)) + " | " +
             InputName(static_cast<Input>(i)) + " | " + to + " | " + EffectName(t.effect) + " |\n";
    }
  }
  return out;
}

std::string DescribeDiagram() {
  std::string out = "stateDiagram-v2\n    [*] --> idle\n";
  for (int s = 0; s < kStateCount; ++s) {
    auto from = static_cast<State>(s);
    // Arrows of this state in order of first appearance, with their inputs.
    std::vector<std::pair<Transition, std::string>> arrows;
    for (int i = 0; i < kInputCount; ++i) {
      Transition t = kTable[s][i];
      if (t.effect == Effect::kInvalid) continue;
      for (State to : t.to.Members()) {
        if (to == from && t.effect == Effect::kNone) continue;  // changes nothing
        Transition arrow{{to}, t.effect};
        auto it = arrows.begin();
        while (it != arrows.end() && !(it->first.to == arrow.to && it->first.effect == t.effect)) {
          ++it;
        }
        if (it == arrows.end()) it = arrows.insert(arrows.end(), {arrow, ""});
        it->second +=
            (it->second.empty() ? "" : ", ") + std::string(InputName(static_cast<Input>(i)));
      }
    }
    for (const auto& [arrow, inputs] : arrows) {
      out += std::string("    ") + StateName(from) + " --> " + StateName(arrow.to.Members()[0]) +
             ": " + inputs;
      if (arrow.effect != Effect::kNone) out += std::string(" / ") + EffectName(arrow.effect);
      out += "\n";
    }
  }
  return out;
}

}  // namespace core
