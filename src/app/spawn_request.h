// SpawnRequest: everything a service's child process needs, built before
// fork (os::Spawn does only async-signal-safe work after it): argv, the
// environment, output fds, directory, umask, limits and user.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "config/service_spec.h"
#include "os/spawn.h"

namespace app {

struct SpawnContext {
  std::vector<std::string> tend_env;  // tend's own environment, "KEY=value"
  std::string notify_socket;          // NOTIFY_SOCKET for sd_notify services; may be empty
  std::vector<std::string> env_file;  // its env_file's variables as read at this start
  std::array<int, 2> fds{-1, -1};     // stdout, stderr (-1: tend's own)
  spec::Rlimit nofile;                // the limits tend was started with
  uint64_t nofile_hard_now = 0;       // tend's hard limit now (0: unknown); may have dropped
};

// The environment is tend's, then HOME/USER/LOGNAME of the service's user,
// NOTIFY_SOCKET and WATCHDOG_USEC where it speaks sd_notify, then its
// env_file (as read at this start: ctx.env_file) and env; LISTEN_* of
// tend's own (sockets passed to tend, not to it) are left out. Its
// RLIMIT_NOFILE is the one tend was started with unless its rlimits say
// otherwise (tend raised its own).
os::SpawnRequest BuildSpawnRequest(const spec::ServiceSpec& spec, const spec::CommandLine& command,
                                   const SpawnContext& ctx);

// Gives the child `fds` at 3, 4, ... with LISTEN_FDS and LISTEN_FDNAMES
// (`names`, one per fd) as sd_listen_fds(3) reads them; os::Spawn adds
// LISTEN_PID in the child.
void AddListenFds(os::SpawnRequest& req, const std::vector<int>& fds,
                  const std::vector<std::string>& names);

// tend's environment as "KEY=value" strings.
std::vector<std::string> OwnEnvironment();

}  // namespace app
