// ServiceFsm: the states of one service and every transition between them,
// as one table (s6-supervise's actions[state][event]). The Supervisor looks
// transitions up here and carries out the named effect; nothing else changes
// a service's state. docs/architecture.md shows this table, and a unit test
// checks that the two agree.
#pragma once

#include <string>

namespace core {

enum class State {
  kIdle,      // not started yet
  kRunning,   // its process runs
  kBackoff,   // died; waiting for the restart timer
  kStopping,  // stop signal sent; waiting for it to exit
  kDown,      // ended for good (policy, shutdown or request)
};

enum class Input {
  kStart,   // start-up or an explicit start
  kExited,  // its main process ended (or could not be executed)
  kTimer,   // its restart time came
  kStop,    // shutdown or an explicit stop
};

enum class Effect {
  kNone,      // nothing to do
  kSpawn,     // start the command
  kDecide,    // apply the restart policy: spawn now, back off, or go down
  kSendStop,  // send the stop signal to its process group
  kInvalid,   // cannot happen; logged as a bug, state unchanged
};

struct Transition {
  State next;
  Effect effect;
};

constexpr int kStateCount = 5;
constexpr int kInputCount = 4;

Transition Lookup(State state, Input input);
const char* StateName(State state);
const char* InputName(Input input);
const char* EffectName(Effect effect);

// The table as Markdown rows "| from | input | to | effect |", one per valid
// transition, in table order: what docs/architecture.md must contain.
std::string DescribeTable();

}  // namespace core
