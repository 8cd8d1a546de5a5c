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
  kRunning,   // its command's process runs
  kSettling,  // its command exited 0; looking for the daemon it started
  kAdopted,   // a daemon matching its rule runs; watched through pidfds
  kBackoff,   // died; waiting for the restart timer
  kStopping,  // stop signal sent; waiting for it to end
  kDown,      // ended for good (policy, shutdown or request)
};

enum class Input {
  kStart,    // start-up or an explicit start
  kExited,   // its command's main process ended (or could not be executed)
  kTimer,    // its restart or next look-up time came
  kStop,     // shutdown or an explicit stop
  kAdopt,    // matching processes were found and are now watched
  kMissing,  // no matching process: the command was not a daemon, or failed
  kGone,     // the last watched daemon process ended
  kWait,     // a scheduled oneshot waits for its next time
};

enum class Effect {
  kNone,      // nothing to do
  kSpawn,     // start the command
  kDecide,    // a command exited: look for a daemon if it may have left one,
              // else apply the restart policy
  kRestart,   // apply the restart policy: spawn now, back off, or go down
  kScan,      // look for matching processes in the process table
  kSendStop,  // send the stop signal to its process group and daemons
  kInvalid,   // cannot happen; logged as a bug, state unchanged
};

struct Transition {
  State next;
  Effect effect;
};

constexpr int kStateCount = 7;
constexpr int kInputCount = 8;

Transition Lookup(State state, Input input);
const char* StateName(State state);
const char* InputName(Input input);
const char* EffectName(Effect effect);

// Whether a signal for the service (forwarded to tend, or `tendctl signal`)
// is sent to it in `state`: whenever it may have processes, its command's or
// an adopted daemon's (a stopping one too: a USR1 to reopen logs still
// matters while it drains).
bool ReceivesSignals(State state);

// The table as Markdown rows "| from | input | to | effect |", one per valid
// transition, in table order: what docs/architecture.md must contain.
std::string DescribeTable();

}  // namespace core
