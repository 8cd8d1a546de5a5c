// ExitStatus: how a process ended, decoded from a wait status, and the shell
// convention for turning it into tend's own exit code (128+N for signal N).
#pragma once

#include <string>

#include "base/signal_names.h"

namespace core {

struct ExitStatus {
  bool signaled = false;
  int value = 0;  // exit code, or signal number when signaled

  static ExitStatus FromWaitStatus(int wait_status);
  static ExitStatus Code(int code) { return {false, code}; }
  static ExitStatus Signal(int sig) { return {true, sig}; }

  int AsExitCode() const { return signaled ? 128 + value : value; }
  bool Clean() const { return !signaled && value == 0; }
  // True when the process ended because of `stop_signal`, directly or by a
  // wrapper that exits 128+N as shells do.
  bool EndedBy(int stop_signal) const {
    return signaled ? value == stop_signal : value == 128 + stop_signal;
  }
  std::string Describe() const;  // "exited with status 1", "killed by SIGKILL"
};

using base::SignalName;
using base::SignalNumber;

}  // namespace core
