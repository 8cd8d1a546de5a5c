// Supervisor: every decision tend makes, as a pure function of events and
// the time passed in: Handle(event, now) -> actions. It owns the services'
// state (through the ServiceFsm table), the restart policy and backoff, and
// the shutdown sequence. It makes no system calls and reads no clock; the
// event loop in app/ feeds it and carries its actions out through os/.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "config/service_spec.h"
#include "core/backoff.h"
#include "core/event.h"
#include "core/exit_status.h"
#include "core/lifecycle_event.h"
#include "core/probe.h"
#include "core/service_fsm.h"

namespace core {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

struct Action {
  enum class Kind {
    kSpawn,          // start service's command, then report kSpawned or kExited
    kScan,           // look for service's daemon; answer with kScanned
    kSignalService,  // send `signal` to service's process group and daemons
    kRelease,        // send `signal` to service's remaining daemon processes; stop watching
    kRunStop,        // run service's stop_command (its output goes with the service's)
    kSignalAll,      // send `signal` to every process tend supervises, services or not
    kReload,         // read the configuration again and hand it to Reload()
    kLog,            // one line of tend's own log
    kExit,           // exit tend with `code`
    kProbe,          // run `probe` of service; answer kProbed with `run`
    kCancelProbe,    // stop `probe` of service's run in flight (timed out or down)
    kFree,           // service was removed and is down: close its fds, forget it
    kEvent,          // `event` happened: number it, publish it
  };
  Kind kind = Kind::kLog;
  size_t service = 0;
  int signal = 0;
  int code = 0;
  LogLevel level = LogLevel::kInfo;
  std::string text;
  ProbeKind probe = ProbeKind::kLiveness;
  uint64_t run = 0;
  std::optional<LifecycleEvent> event;

  static Action Spawn(size_t i) {
    Action a;
    a.kind = Kind::kSpawn;
    a.service = i;
    return a;
  }
  static Action Scan(size_t i) {
    Action a = Spawn(i);
    a.kind = Kind::kScan;
    return a;
  }
  static Action SignalService(size_t i, int sig) {
    Action a = Spawn(i);
    a.kind = Kind::kSignalService;
    a.signal = sig;
    return a;
  }
  static Action Release(size_t i, int sig) {
    Action a = SignalService(i, sig);
    a.kind = Kind::kRelease;
    return a;
  }
  static Action RunStop(size_t i) {
    Action a = Spawn(i);
    a.kind = Kind::kRunStop;
    return a;
  }
  static Action SignalAll(int sig) {
    Action a;
    a.kind = Kind::kSignalAll;
    a.signal = sig;
    return a;
  }
  static Action Reload() {
    Action a;
    a.kind = Kind::kReload;
    return a;
  }
  static Action Log(LogLevel level, std::string text) {
    Action a;
    a.level = level;
    a.text = std::move(text);
    return a;
  }
  static Action Probe(size_t i, ProbeKind probe, uint64_t run, bool cancel = false) {
    Action a = Spawn(i);
    a.kind = cancel ? Kind::kCancelProbe : Kind::kProbe;
    a.probe = probe;
    a.run = run;
    return a;
  }
  static Action Free(size_t i) {
    Action a = Spawn(i);
    a.kind = Kind::kFree;
    return a;
  }
  static Action Event(LifecycleEvent e) {
    Action a;
    a.kind = Kind::kEvent;
    a.service = e.service;
    a.event = std::move(e);
    return a;
  }
  static Action Exit(int code) {
    Action a;
    a.kind = Kind::kExit;
    a.code = code;
    return a;
  }
};

struct Settings {
  base::Duration grace = base::seconds(8);
  BackoffPolicy backoff;
  // After SIGKILL to everything, how long to wait for the last reaps before
  // exiting anyway (a process stuck in uninterruptible sleep).
  base::Duration kill_wait = base::seconds(2);
  // After a command exits 0 leaving processes behind, tend looks for its
  // daemon at these times after the exit (and on no other occasion); the
  // last one ends the settle window.
  std::vector<base::Duration> settle_moments = {base::milliseconds(20), base::milliseconds(100),
                                                base::milliseconds(300), base::seconds(1),
                                                base::seconds(3)};
  // Where pidfds are missing, how often adopted daemons are looked for.
  base::Duration scan_interval = base::seconds(5);
  // SIGHUP reloads the configuration files; without files it is forwarded.
  bool reload_on_hup = false;
};

// What is wanted of a service, apart from what it is (runit's want beside
// its state). Requests and reloads only record it; Supervisor::Reconcile, at
// the top of the loop, acts on it.
enum class Want {
  kUp,       // run it; its restart policy decides once it ends
  kDown,     // stopped on request: stays down, not started by dependencies or reloads
  kRestart,  // start (or restart) requested: stopped if it runs, started once down
  kRetired,  // removed by a reload: stopped, then its slot is freed
};

// Why a service ended: the restart policy's input and its one log line.
struct Ending {
  std::string what{};   // "killed by SIGKILL", "daemon (pid 7) ended"
  std::string note{};   // what tend did about it, logged after the uptime
  bool failed = false;  // a failure, for restart = "on-failure"
  // Processes it left that the service still owns (watched); with
  // kill_mode "group" they are stopped before the restart policy applies.
  int left = 0;
  std::string left_pids{};
};

struct ServiceRuntime {
  spec::ServiceSpec spec;
  State state = State::kIdle;
  int pid = 0;
  base::TimePoint started_at{};
  base::TimePoint restart_at{};
  Backoff backoff;
  int starts = 0;
  std::vector<base::TimePoint> recent_starts;  // within start_limit_window
  std::optional<ExitStatus> last_exit;
  // Its last end was a success: its command ran and ended with exit 0 or
  // a status its success_exit_status lists, and tend did not stop it for
  // its health. tend's own exit status reports a success as 0.
  bool last_success = false;
  // Daemon look-up: when the settle window began and which moment is next;
  // when to look again: settling, at the settle moments; adopted, at the
  // moments left in the window, or every scan_interval when polled; none
  // while pidfds watch it. polled: the last look found it without pidfds,
  // so only looks tell when it is gone.
  base::TimePoint settle_start{};
  size_t settle_step = 0;
  std::optional<base::TimePoint> scan_at;
  bool polled = false;

  // Stopping: when to send SIGKILL (stop_timeout, or the grace); empty once
  // sent. Why tend stops it for its health: empty for any other stop; set,
  // its end is a failure and the restart policy applies.
  std::optional<base::TimePoint> kill_at;
  std::string stop_why;
  // Stopping what its main process left when it ended: that ending, to
  // which the restart policy applies once they are gone.
  std::optional<Ending> ended;

  // What is wanted of it, apart from what it is; Reconcile acts on it.
  Want want = Want::kUp;
  // Changed by a reload: the spec to run once its processes are down. Not a
  // Want: it says what runs, the want whether (one stopped on request and
  // changed stays down).
  std::optional<spec::ServiceSpec> replacement;
  // Start-first restarts (supervisor_replace.cc): on a new instance, the
  // slot of the service it replaces once ready; on that service, the slot
  // of its new instance while it starts. A new instance is no service of
  // its own: not listed, not named, no dependency waits on it.
  std::optional<size_t> replaces;
  std::optional<size_t> successor;

  // Facts, not wants: what happened to it.
  bool fatal = false;      // left down by tend: its crash-loop limit, or a dependency
                           // that never got ready (shown as "fatal"; a start clears it)
  bool completed = false;  // a oneshot that exited 0 (its dependents may start)
  bool begun = false;      // StartReady started it: its first look or spawn went out
  bool freed = false;      // retired and down: the Free action went out, the slot is reusable

  // Health (supervisor_health.cc).
  bool ready = false;                // with readiness defined: it got ready since it came up
  bool ever_ready = false;           // it was ready once since its first start
  bool start_failed = false;         // not ready within start_timeout; reported
  base::TimePoint start_deadline{};  // first start + start_timeout
  base::TimePoint ready_at{};        // up + ready_after
  base::TimePoint watchdog_at{};     // the last WATCHDOG=1 + watchdog
  Probe liveness, readiness;
  std::string status_text;  // its last STATUS=

  int Restarts() const { return starts > 0 ? starts - 1 : 0; }
  bool Held() const { return want == Want::kDown; }
  // A shutdown task not yet run: no service, until tend shuts down.
  bool Waits() const { return spec.at_shutdown && !begun; }
  bool Retired() const { return want == Want::kRetired; }
  // The service as named: neither removed nor a new instance still starting.
  bool Canonical() const { return !Retired() && !replaces; }
};

// The states in which a service's processes run, so its probes do.
bool ProbesRun(State state);

class Supervisor {
 public:
  Supervisor(std::vector<spec::ServiceSpec> specs, Settings settings);

  // `wall_ms` (milliseconds since the Unix epoch) is only used for schedules.
  std::vector<Action> Handle(const Event& event, base::TimePoint now, int64_t wall_ms = 0);
  // A new set of services (SIGHUP): added ones start, removed ones stop,
  // changed ones restart with their new spec, unchanged ones are untouched.
  std::vector<Action> Reload(std::vector<spec::ServiceSpec> specs, base::TimePoint now,
                             int64_t wall_ms = 0);
  // Requests from tendctl, on service i (ignored for kShutdown).
  enum class ControlOp { kStart, kStop, kRestart, kSignal, kShutdown };
  std::vector<Action> Control(ControlOp op, size_t i, int sig, base::TimePoint now);

  // The earliest time at which a kTimer event is due, if any.
  std::optional<base::TimePoint> NextDeadline() const;

  const std::vector<ServiceRuntime>& services() const { return services_; }
  // Ready: up and, where it defines readiness, ready; a oneshot: done.
  bool Ready(size_t i) const;
  // Whether probe `p` of service i is configured.
  const spec::ProbeSpec* ProbeOf(size_t i, ProbeKind p) const;
  bool ShuttingDown() const { return phase_ != Phase::kRunning; }

 private:
  enum class Phase {
    kRunning,   // normal operation
    kStopping,  // services got their stop signal; grace running
    kTasks,     // services are down; shutdown tasks run, one after another
    kOrphans,   // services are down; leftovers got SIGTERM; grace running
    kKilling,   // SIGKILL sent to everything; waiting for the last reaps
    kDone,      // exit action emitted
  };

  // What an effect concluded: the state to enter, and what follows once the
  // service is in it. Effects return it; only Apply writes the state.
  struct Verdict {
    enum class Then {
      kNothing,
      kSpawn,     // restart at once: the backoff/timer row, now
      kShutDown,  // tend shuts down, for `why`
    };
    State next;
    Then then = Then::kNothing;
    std::string why{};
  };

  // The loop (supervisor.cc): Handle's one function per event kind, the
  // loop top, wants and starts.
  void On(const events::StartAll& e, base::TimePoint now);
  void On(const events::Spawned& e, base::TimePoint now);
  void On(const events::Exited& e, base::TimePoint now);
  void On(const events::Timer& e, base::TimePoint now);
  void Advance(base::TimePoint now);
  void Reconcile(size_t i, base::TimePoint now);
  bool StartsAgain(ControlOp op, const ServiceRuntime& s) const;
  void Install(size_t i, spec::ServiceSpec spec, Want want);
  void StartReady(base::TimePoint now);
  void Begin(size_t i, base::TimePoint now);
  bool DepsSatisfied(const ServiceRuntime& s) const;
  bool HasActiveDependents(size_t i) const;
  bool AnyHeld() const;
  size_t FreeSlot() const;
  void Log(LogLevel level, std::string text);
  // An event of service i (its name filled in), or of tend (kReload).
  void Emit(size_t i, LifecycleEvent e);

  // The service lifecycle (supervisor_lifecycle.cc): the table's apply and
  // the effects it carries out.
  void Apply(size_t i, Input input, base::TimePoint now, const Ending& why = {});
  Verdict Carry(size_t i, const Transition& t, const Ending& why, base::TimePoint now);
  void Enter(size_t i, State next);
  void EmitStopped(size_t i);
  void Spawn(size_t i, base::TimePoint now);
  void Stop(size_t i, const Ending& why, base::TimePoint now);
  void SendStop(size_t i, int sig);
  void Kill(size_t i);
  Verdict EndStop(size_t i, const Ending& why, base::TimePoint now);
  bool RestartsAfterStop(const ServiceRuntime& s) const;
  Verdict Decide(size_t i, const Ending& why, base::TimePoint now);
  Verdict DecideOneshot(size_t i, base::TimePoint now);
  Verdict Restart(size_t i, const Ending& why, base::TimePoint now);
  Verdict StopLeftovers(size_t i, const Ending& why, base::TimePoint now);
  std::optional<std::string> CrashLoop(size_t i, base::TimePoint now);
  Verdict Schedule(size_t i, base::TimePoint now);
  Verdict Fatal(size_t i, const std::string& why);
  Verdict EndedForGood(size_t i);
  ExitStatus Reported(const ServiceRuntime& s) const;

  // Start-first restarts (supervisor_replace.cc).
  bool StartsFirst(size_t i) const;
  bool PredecessorStopping(size_t i) const;
  void StartSuccessor(size_t i, base::TimePoint now);
  void TakeOver(size_t j, base::TimePoint now);
  void Abandon(size_t j, const std::string& why);
  void Retire(size_t i);

  // Daemons (supervisor_daemons.cc).
  void On(const events::Scanned& e, base::TimePoint now);
  void On(const events::DaemonGone& e, base::TimePoint now);
  void Adopt(const events::Scanned& e, base::TimePoint now);
  std::optional<base::TimePoint> NextSettleMoment(ServiceRuntime& s, base::TimePoint now) const;

  // Signals and shutdown (supervisor_shutdown.cc).
  void On(const events::Signal& e, base::TimePoint now);
  void On(const events::OrphansReaped& e, base::TimePoint now);
  void On(const events::NoChildren& e, base::TimePoint now);
  void BeginShutdown(const std::string& why, base::TimePoint now);
  void StopReady(base::TimePoint now);
  void AdvanceShutdown(base::TimePoint now);
  void OnShutdownDeadline(base::TimePoint now);
  void KillEverything(const std::string& why, base::TimePoint now);
  bool AllDown() const;
  bool AllServicesDown() const;
  bool RunShutdownTask(base::TimePoint now);
  void Finish(int code);

  // Health (supervisor_health.cc).
  void On(const events::Probed& e, base::TimePoint now);
  void On(const events::Notified& e, base::TimePoint now);
  void On(const events::StopCommandFailed& e, base::TimePoint now);
  void CameUp(size_t i, base::TimePoint now);
  void WentDown(size_t i);
  void HealthTick(base::TimePoint now);
  void TickProbe(size_t i, ProbeKind p, base::TimePoint now);
  void ProbeChanged(size_t i, ProbeKind p, ProbeStatus status, base::TimePoint now);
  void MarkReady(size_t i, const std::string& why, base::TimePoint now);
  void HealthKill(size_t i, const char* probe, const std::string& why, base::TimePoint now);
  void StartTimedOut(size_t i, base::TimePoint now);
  void HealthDeadlines(const ServiceRuntime& s, std::optional<base::TimePoint>& next) const;
  Probe& ProbeState(size_t i, ProbeKind p);
  bool AwaitsReady(size_t i) const;
  void NoteReadiness();
  void StopProbes();

  std::vector<ServiceRuntime> services_;
  Settings settings_;
  Phase phase_ = Phase::kRunning;
  bool requested_ = false;                 // shutdown asked for by a signal
  bool children_ = false;                  // tend may still have child processes
  base::TimePoint deadline_{};             // grace or kill-wait end, in shutdown
  std::optional<int> first_failure_;       // exit code of the first failure in shutdown
  std::optional<ExitStatus> last_status_;  // of the service that ended last
  std::vector<Action> out_;
  int64_t wall_ms_ = 0;             // of the event being handled
  std::optional<int> forced_code_;  // exit status decided by a critical or oneshot failure
};

}  // namespace core
