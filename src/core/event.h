// Event: what the event loop tells the Supervisor, one kind at a time. Each
// kind is its own struct carrying only its own fields (a sum type); the
// factories (`Event::Exited(i, status)`) are how app/ builds them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "core/exit_status.h"

namespace core {

enum class ProbeKind { kLiveness, kReadiness };

// What a service said about itself (sd_notify, or s6's notification fd).
struct Notice {
  bool ready = false;                 // READY=1, or a line on its notify_fd
  bool via_fd = false;                // it came through notify_fd
  bool watchdog = false;              // WATCHDOG=1
  bool watchdog_trigger = false;      // WATCHDOG=trigger: it asks to be restarted
  bool stopping = false;              // STOPPING=1
  std::optional<std::string> status;  // STATUS=...
};

namespace events {

// Once, after set-up.
struct StartAll {};
// Service's process started.
struct Spawned {
  size_t service = 0;
  int pid = 0;
};
// Service's main process ended, or its command could not be executed.
struct Exited {
  size_t service = 0;
  ExitStatus status;
  std::string detail;  // why the command could not be executed; empty if it ran
  // What it left behind, now watched as the service's (app DaemonWatch).
  int left = 0;
  std::string left_pids;  // for the log
  // `left` is exactly what its command's tree left (lineage), not a guess
  // from its process group.
  bool exact = false;
};
// The deadline from Supervisor::NextDeadline() came.
struct Timer {};
// tend received `signal` (never SIGCHLD).
struct Signal {
  int signal = 0;
};
// Processes other than services' were reaped.
struct OrphansReaped {};
// tend has no child process left.
struct NoChildren {};
// The answer to a kScan action: `found` matching processes are now watched.
struct Scanned {
  size_t service = 0;
  int found = 0;
  std::string pids;        // the pids found, for the log
  bool leftovers = false;  // tend has children that are not services
  bool polled = false;     // no pidfds: look again every scan_interval
  // The answer came from lineage (what the command left, exactly), not
  // from the match rule; `what` names it ("php-fpm8.2 (pid 11, 2 workers)").
  bool exact = false;
  std::string what;
};
// The last watched daemon process of a service ended.
struct DaemonGone {
  size_t service = 0;
  int pid = 0;
  std::optional<ExitStatus> status;  // known when tend reaped it
  int remaining = 0;                 // watched processes still alive (now its main ones)
  std::string pids;                  // theirs, for the log
};
// A probe run of a service ended.
struct Probed {
  size_t service = 0;
  ProbeKind probe = ProbeKind::kLiveness;
  uint64_t run = 0;  // the id from the kProbe action
  bool ok = false;
  std::string detail;  // why it failed
};
// A service said something on its notification fd or socket.
struct Notified {
  size_t service = 0;
  Notice notice;
};

// A service's stop_command could not be started.
struct StopCommandFailed {
  size_t service = 0;
  std::string why;
};

}  // namespace events

struct Event {
  std::variant<events::StartAll, events::Spawned, events::Exited, events::Timer, events::Signal,
               events::OrphansReaped, events::NoChildren, events::Scanned, events::DaemonGone,
               events::Probed, events::Notified, events::StopCommandFailed>
      kind;

  static Event StartAll() { return {events::StartAll{}}; }
  static Event Spawned(size_t i, int pid) { return {events::Spawned{i, pid}}; }
  static Event Exited(size_t i, ExitStatus s, int left = 0, std::string left_pids = "",
                      bool exact = false) {
    return {events::Exited{i, s, {}, left, std::move(left_pids), exact}};
  }
  static Event ExecFailed(size_t i, ExitStatus s, std::string why) {
    return {events::Exited{i, s, std::move(why), 0, {}, false}};
  }
  static Event Timer() { return {events::Timer{}}; }
  static Event Signal(int sig) { return {events::Signal{sig}}; }
  static Event OrphansReaped() { return {events::OrphansReaped{}}; }
  static Event NoChildren() { return {events::NoChildren{}}; }
  static Event Scanned(size_t i, int found, std::string pids, bool leftovers, bool polled) {
    return {events::Scanned{i, found, std::move(pids), leftovers, polled, false, {}}};
  }
  // The answer from lineage: `what` the command left (maybe nothing).
  static Event Lineage(size_t i, int found, std::string pids, bool polled, std::string what) {
    return {events::Scanned{i, found, std::move(pids), false, polled, true, std::move(what)}};
  }
  static Event DaemonGone(size_t i, int pid, std::optional<ExitStatus> s, int remaining = 0,
                          std::string pids = "") {
    return {events::DaemonGone{i, pid, s, remaining, std::move(pids)}};
  }
  static Event Probed(size_t i, ProbeKind probe, uint64_t run, bool ok, std::string why = "") {
    return {events::Probed{i, probe, run, ok, std::move(why)}};
  }
  static Event Notified(size_t i, Notice notice) {
    return {events::Notified{i, std::move(notice)}};
  }
  static Event StopCommandFailed(size_t i, std::string why) {
    return {events::StopCommandFailed{i, std::move(why)}};
  }
};

}  // namespace core
