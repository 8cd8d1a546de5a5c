// tendctl: the command-line client of the control socket. The same static
// binary as tend, chosen by the name it is run under (ln -s tend tendctl).
#pragma once

#include <string>
#include <vector>

namespace ctl {

// Exit statuses, as docs/tendctl.md lists them.
enum ExitCode {
  kOk = 0,
  kRefused = 1,      // tend answered with an error (unknown service, ...)
  kUsage = 2,        // bad arguments
  kUnreachable = 3,  // no tend at the socket, or a broken reply
  kTimeout = 4,      // wait: not ready in time
  // health: a required service is not running, ready and live. 1, as
  // Docker's HEALTHCHECK wants (it reserves 2).
  kUnhealthy = 1,
};

// args excludes argv[0].
int ClientMain(const std::vector<std::string>& args);

}  // namespace ctl
