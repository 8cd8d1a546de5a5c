#include "core/service_fsm.h"

namespace core {
namespace {

using S = State;
using E = Effect;

// kTable[state][input]. For kDecide and kRestart the `next` column is the
// state when the policy restarts later (kBackoff); the Supervisor may pick
// kSettling (look for a daemon), kRunning (restart at once) or kDown
// (policy says stay down) instead.
// clang-format off
constexpr Transition kTable[kStateCount][kInputCount] = {
  /* Idle */     {{S::kRunning, E::kSpawn},   {S::kIdle, E::kInvalid},     {S::kIdle, E::kNone},
                  {S::kDown, E::kNone},       {S::kAdopted, E::kNone},     {S::kIdle, E::kInvalid},
                  {S::kIdle, E::kInvalid}, {S::kBackoff, E::kNone}},
  /* Running */  {{S::kRunning, E::kNone},    {S::kBackoff, E::kDecide},   {S::kRunning, E::kNone},
                  {S::kStopping, E::kSendStop}, {S::kRunning, E::kInvalid}, {S::kRunning, E::kInvalid},
                  {S::kRunning, E::kInvalid}, {S::kRunning, E::kInvalid}},
  /* Settling */ {{S::kSettling, E::kNone},   {S::kSettling, E::kInvalid}, {S::kSettling, E::kScan},
                  {S::kDown, E::kNone},       {S::kAdopted, E::kNone},     {S::kBackoff, E::kRestart},
                  {S::kSettling, E::kInvalid}, {S::kSettling, E::kInvalid}},
  /* Adopted */  {{S::kAdopted, E::kNone},    {S::kAdopted, E::kInvalid},  {S::kAdopted, E::kScan},
                  {S::kStopping, E::kSendStop}, {S::kAdopted, E::kNone},   {S::kBackoff, E::kRestart},
                  {S::kBackoff, E::kRestart}, {S::kAdopted, E::kInvalid}},
  /* Backoff */  {{S::kRunning, E::kSpawn},   {S::kBackoff, E::kInvalid},  {S::kRunning, E::kSpawn},
                  {S::kDown, E::kNone},       {S::kBackoff, E::kInvalid},  {S::kBackoff, E::kInvalid},
                  {S::kBackoff, E::kInvalid}, {S::kBackoff, E::kNone}},
  /* Stopping */ {{S::kStopping, E::kNone},   {S::kDown, E::kNone},        {S::kStopping, E::kNone},
                  {S::kStopping, E::kNone},   {S::kStopping, E::kNone},    {S::kDown, E::kNone},
                  {S::kDown, E::kNone}, {S::kStopping, E::kNone}},
  /* Down */     {{S::kRunning, E::kSpawn},   {S::kDown, E::kInvalid},     {S::kDown, E::kNone},
                  {S::kDown, E::kNone},       {S::kDown, E::kInvalid},     {S::kDown, E::kInvalid},
                  {S::kDown, E::kInvalid}, {S::kBackoff, E::kNone}},
};
// clang-format on

}  // namespace

Transition Lookup(State state, Input input) {
  return kTable[static_cast<int>(state)][static_cast<int>(input)];
}

const char* StateName(State state) {
  static constexpr const char* kNames[] = {"idle",    "running",  "settling", "adopted",
                                           "backoff", "stopping", "down"};
  return kNames[static_cast<int>(state)];
}

const char* InputName(Input input) {
  static constexpr const char* kNames[] = {"start", "exited",  "timer", "stop",
                                           "adopt", "missing", "gone",  "wait"};
  return kNames[static_cast<int>(input)];
}

const char* EffectName(Effect effect) {
  static constexpr const char* kNames[] = {"-",    "spawn",     "decide", "restart",
                                           "scan", "send stop", "invalid"};
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
      out += std::string("| ") + StateName(static_cast<State>(s)) + " | " +
             InputName(static_cast<Input>(i)) + " | " + StateName(t.next) + " | " +
             EffectName(t.effect) + " |\n";
    }
  }
  return out;
}

}  // namespace core
