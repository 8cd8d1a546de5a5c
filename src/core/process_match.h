// ProcessMatch: which processes in the process table belong to a service's
// daemon. Pure: os/ reads /proc into ProcInfo records; this decides.
//
// A process is a candidate when the service's MatchRule accepts it and no
// one else owns it: it is not tend, not a zombie, not a process that another
// service runs or already adopted, not in another running service's process
// group (a foreground apache2's workers are not a daemon), not the service's
// own start script still running (an init script's subshells carry the
// script's name until they exec), and, when tend is
// not PID 1, a descendant of tend (never a stranger on the host, nor tend's
// own ancestors, whose command lines hold every service's name).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/service_spec.h"

namespace core {

struct ProcInfo {
  int pid = 0;
  int ppid = 0;
  int pgrp = 0;
  char state = '?';
  std::string comm;     // /proc/PID/comm: at most 15 characters
  std::string argv0;    // first word of /proc/PID/cmdline
  std::string argv1;    // second word: the script, when argv0 is its interpreter
  std::string cmdline;  // whole command line, words joined by spaces
};

struct Ownership {
  int self = 0;              // tend's pid
  std::string script;        // the service's own command (its first word)
  bool whole_table = false;  // tend is PID 1: every process is its own
  std::set<int> taken;       // pids other services run or watch
  std::set<int> groups;      // process groups of other services' main processes
};

bool RuleMatches(const spec::MatchRule& rule, const ProcInfo& p);

// Candidates for `rule` among `table`, in the table's order.
std::vector<int> FindDaemon(const spec::MatchRule& rule, const std::vector<ProcInfo>& table,
                            const Ownership& owned);

// The daemon's main processes among `pids`: those whose parent is not in
// `pids` (apache2's master, not its workers). When the last of them ends the
// daemon is gone, even if workers linger.
std::set<int> DaemonRoots(const std::vector<int>& pids, const std::vector<ProcInfo>& table);

// The processes that belong with `roots` (a service's main or adopted
// processes) without being one: their descendants (by parent links) and
// the members of the groups they lead, at any depth. A worker that left
// both (setsid, then its parent died) is not found: nothing links it.
std::set<int> Descendants(const std::vector<ProcInfo>& table, const std::set<int>& roots);

// True when some child of tend is neither a service's main process nor
// taken: what a daemonizing command leaves behind.
bool HasLeftovers(const std::vector<ProcInfo>& table, const Ownership& owned,
                  const std::set<int>& main_pids);

// What tend knows of a service's daemon besides the process table.
struct DaemonHints {
  std::optional<int> pidfile_pid;  // the pid in its pidfile (match = pidfile)
  int mainpid = 0;                 // MAINPID= it sent over NOTIFY_SOCKET; 0: none
  bool mainpid_alive = false;      // that process still exists
};

// The processes to watch as service's daemon, in order of trust: a pidfile
// names it; else the match rule finds it in the table; else MAINPID= names
// it, whatever its name. Never a process someone else owns, nor tend.
std::vector<int> PickDaemon(const spec::MatchRule& rule, const std::vector<ProcInfo>& table,
                            const Ownership& owned, const DaemonHints& hints);

}  // namespace core
