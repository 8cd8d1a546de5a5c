#include "core/exit_status.h"

#include <sys/wait.h>

namespace core {

ExitStatus ExitStatus::FromWaitStatus(int wait_status) {
  if (WIFSIGNALED(wait_status)) return Signal(WTERMSIG(wait_status));
  return Code(WEXITSTATUS(wait_status));
}

std::string ExitStatus::Describe() const {
  if (signaled) return "killed by " + SignalName(value);
  return "exited with status " + std::to_string(value);
}

std::string ExitStatus::Describe(bool success) const {
  return Describe() + (success && !Clean() ? " (a success status)" : "");
}

}  // namespace core
