// ServiceFsm: the states of one service and every transition between them,
// as one table (s6-supervise's actions[state][event]). The Supervisor looks
// transitions up here and carries out the named effect; nothing else changes
// a service's state. docs/architecture.md shows this table and the state
// diagram drawn from it, and a unit test checks that they agree.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

namespace core {

enum class State {
  kIdle,      // not started yet: waiting for its dependencies, or for the look
              // for a daemon of it that already runs
  kRunning,   // its command's process runs
  kSettling,  // its command exited 0; looking for the daemon it started
  kAdopted,   // a daemon matching its rule runs; watched through pidfds
  kBackoff,   // waiting for its restart time, or a scheduled oneshot's next run
  kStopping,  // stop signal (or stop command) sent; waiting for all of it to end
  kDown,      // ended: by its restart policy, a stop, a failure, or done
};

enum class Input {
  kStart,      // start-up or an explicit start
  kExited,     // its command's main process ended (or could not be executed)
  kTimer,      // its restart or next look-up time came
  kStop,       // shutdown or an explicit stop
  kAdopt,      // matching processes were found and are now watched
  kMissing,    // no matching process: the command was not a daemon, or failed
  kGone,       // the last watched daemon process ended
  kWait,       // a scheduled oneshot waits for its next time
  kFail,       // a dependency did not get ready in time: it will not start
  kUnhealthy,  // its liveness probe or watchdog failed: stop it, to restart it
};

enum class Effect {
  kNone,      // nothing to do
  kSpawn,     // start the command
  kDecide,    // a command exited: look for a daemon if it may have left one,
              // else apply the restart policy (a oneshot: done or failed)
  kRestart,   // apply the restart policy: spawn now, back off, or go down;
              // first stop what the ended processes left (kill_mode "group")
  kScan,      // look for matching processes in the process table
  kSendStop,  // send the stop signal to its process group and daemons (or run
              // its stop command); SIGKILL follows at its stop timeout
  kKill,      // the stop timeout is over: SIGKILL
  kEndStop,   // it ended after a stop: down; or, stopped by tend for its
              // health, the restart policy as for a failure; or, stopping
              // what an ended process left, the policy for that end. While
              // processes it left still run, it stays stopping
  kSchedule,  // wait for a scheduled oneshot's next time, if it has one
  kFatal,     // mark it fatal: left down until started by request
  kInvalid,   // cannot happen; logged as a bug, state unchanged
};

// A set of states: where a transition may lead. One state for most rows;
// several where the effect decides (the restart policy picks one).
class StateSet {
 public:
  constexpr StateSet() = default;
  constexpr StateSet(std::initializer_list<State> states) {
    for (State s : states) bits_ |= Bit(s);
  }
  constexpr bool Has(State s) const { return (bits_ & Bit(s)) != 0; }
  constexpr bool Empty() const { return bits_ == 0; }
  // The members, in the order of State.
  std::vector<State> Members() const;
  bool operator==(const StateSet&) const = default;

 private:
  static constexpr unsigned Bit(State s) { return 1u << static_cast<unsigned>(s); }
  unsigned bits_ = 0;
};

struct Transition {
  StateSet to;  // empty when invalid
  Effect effect;
};

constexpr int kStateCount = 7;
constexpr int kInputCount = 10;

Transition Lookup(State state, Input input);
// Whether `effect` picks the next state among several: the rows with such
// an effect list every state it may pick, the others exactly one.
bool Decides(Effect effect);
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

// The table as a Mermaid stateDiagram-v2: one arrow per (from, to, effect),
// labelled "inputs / effect", leaving out rows that change nothing (same
// state, no effect). What docs/architecture.md's diagram must be.
std::string DescribeDiagram();

}  // namespace core
