// Reaper: the one reaping path. On every SIGCHLD (or pidfd readiness) tend
// collects every exited child, services and orphans alike, until none is
// left to collect (tini's reap_zombies, s6-svscan's reaper).
#pragma once

#include <vector>

namespace os {

struct Reaped {
  int pid;
  int wait_status;
};

struct ReapResult {
  std::vector<Reaped> reaped;
  bool no_children = false;  // waitpid said ECHILD: nothing left to wait for
};

ReapResult ReapAll();

}  // namespace os
