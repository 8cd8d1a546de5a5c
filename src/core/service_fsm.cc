#include "core/service_fsm.h"

namespace core {
namespace {

using S = State;
using E = Effect;

// kTable[state][input]. For kDecide the `next` column is the state when the
// policy restarts later (kBackoff); the Supervisor may pick kRunning (restart
// at once) or kDown (policy says stay down) instead.
constexpr Transition kTable[kStateCount][kInputCount] = {
    //            kStart                  kExited                  kTimer                  kStop
    /* Idle */ {{S::kRunning, E::kSpawn},
                {S::kIdle, E::kInvalid},
                {S::kIdle, E::kNone},
                {S::kDown, E::kNone}},
    /* Running */
    {{S::kRunning, E::kNone},
     {S::kBackoff, E::kDecide},
     {S::kRunning, E::kNone},
     {S::kStopping, E::kSendStop}},
    /* Backoff */
    {{S::kRunning, E::kSpawn},
     {S::kBackoff, E::kInvalid},
     {S::kRunning, E::kSpawn},
     {S::kDown, E::kNone}},
    /* Stopping */
    {{S::kStopping, E::kNone},
     {S::kDown, E::kNone},
     {S::kStopping, E::kNone},
     {S::kStopping, E::kNone}},
    /* Down */
    {{S::kRunning, E::kSpawn}, {S::kDown, E::kInvalid}, {S::kDown, E::kNone}, {S::kDown, E::kNone}},
};

}  // namespace

Transition Lookup(State state, Input input) {
  return kTable[static_cast<int>(state)][static_cast<int>(input)];
}

const char* StateName(State state) {
  static constexpr const char* kNames[] = {"idle", "running", "backoff", "stopping", "down"};
  return kNames[static_cast<int>(state)];
}

const char* InputName(Input input) {
  static constexpr const char* kNames[] = {"start", "exited", "timer", "stop"};
  return kNames[static_cast<int>(input)];
}

const char* EffectName(Effect effect) {
  static constexpr const char* kNames[] = {"-", "spawn", "decide", "send stop", "invalid"};
  return kNames[static_cast<int>(effect)];
}

std::string DescribeTable() {
  std::string out;
  for (int s = 0; s < kStateCount; ++s) {
    for (int i = 0; i < kInputCount; ++i) {
      Transition t = kTable[s][i];
      if (t.effect == Effect::kInvalid) continue;
      out += std::string("| ") + StateName(static_cast<State>(s)) + " | " +
             InputName(static_cast<Input>(i)) + " | " + StateName(t.next) + " | " +
             EffectName(t.effect) + " |\n";
    }
  }
  return out;
}

}  // namespace core
