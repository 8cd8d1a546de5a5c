// Spawn: fork + exec of one service, in its own process group, with its
// output on the given fds. Everything is prepared before fork; the child
// only resets signals, moves fds and execs, and reports a failure as
// {stage, errno} over a CLOEXEC pipe (EOF means exec succeeded).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

struct SpawnRequest {
  std::vector<std::string> argv;
  int stdout_fd = -1;  // -1: inherit tend's
  int stderr_fd = -1;
};

struct Child {
  int pid = 0;
  base::UniqueFd pidfd;
};

// On exec failure the child has been reaped already and the error's errno
// says why (ENOENT, EACCES, ...); what() names the program.
base::Result<Child> Spawn(const SpawnRequest& request);

// The exit code a shell would give for an exec failure: 127 missing, else 126.
int ExecFailureCode(int err);

base::Result<base::UniqueFd> PidfdOpen(int pid);

}  // namespace os
