// Spawn: fork + exec of one service, in its own process group, with its
// output on the given fds. Everything is prepared before fork; the child
// only resets signals, moves fds and execs, and reports a failure as
// {stage, errno} over a CLOEXEC pipe (EOF means exec succeeded).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "config/service_spec.h"

namespace os {

struct SpawnRequest {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // the whole environment, "KEY=value"
  int stdout_fd = -1;            // -1: inherit tend's
  int stderr_fd = -1;
  // One more fd for the child, at number `extra_target` (s6's notification
  // fd): `extra_fd` is dup2'd there. -1: none.
  int extra_fd = -1;
  int extra_target = -1;
  // Sockets for the child at fds 3, 4, ... (sd_listen_fds), close-on-exec
  // cleared there. Spawn adds LISTEN_PID, the pid of the process that execs
  // the command, set in that process; `env` has LISTEN_FDS and LISTEN_FDNAMES.
  std::vector<int> listen_fds;
  std::string working_dir;  // empty: tend's
  std::optional<mode_t> umask;
  std::vector<spec::Rlimit> rlimits;
  std::optional<int> nice;
  std::optional<spec::Credentials> credentials;  // drop to this user and groups
  // Run it under a lineage shim (os/lineage.h) that lives at most this long.
  std::optional<base::Duration> lineage_window;
  std::string lineage_title;  // the shim's command line, for ps
};

struct Child {
  int pid = 0;  // the command's
  base::UniqueFd pidfd;
  // Under a shim: its pid (tend's child, reaped like any) and the socket
  // its reports come on (os::ReadShimReport); the kStarted one is read.
  int shim_pid = 0;
  base::UniqueFd lineage;
};

// On failure before or at exec the child has been reaped already; the
// error names the step (setuid, chdir, exec of PROGRAM) and its errno.
base::Result<Child> Spawn(const SpawnRequest& request);

// The paths exec tries for `program`, in order: itself when it has a '/',
// else it in each directory of the PATH in `env` (the service's own
// environment, not tend's), or of /bin:/usr/bin without one.
std::vector<std::string> SearchPath(const std::string& program,
                                    const std::vector<std::string>& env);

// The exit code a shell would give: 127 for a missing program, else 126.
int ExecFailureCode(const base::Error& error);

base::Result<base::UniqueFd> PidfdOpen(int pid);

}  // namespace os
