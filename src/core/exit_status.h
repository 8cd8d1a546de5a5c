// ExitStatus: how a process ended, decoded from a wait status, and the shell
// convention for turning it into tend's own exit code (128+N for signal N).
#pragma once

#include <string>

#include "base/signal_names.h"
#include "config/success_status.h"

namespace core {

struct ExitStatus {
  bool signaled = false;
  int value = 0;  // exit code, or signal number when signaled

  static ExitStatus FromWaitStatus(int wait_status);
  static ExitStatus Code(int code) { return {false, code}; }
  static ExitStatus Signal(int sig) { return {true, sig}; }

  int AsExitCode() const { return signaled ? 128 + value : value; }
  bool Clean() const { return !signaled && value == 0; }
  // Whether it is no failure for a service whose success_exit_status is
  // `success`: exit 0, or a status listed there.
  bool SucceedsUnder(const spec::SuccessStatus& success) const {
    if (value < 0) return false;
    auto n = static_cast<size_t>(value);
    return signaled ? n < success.signals.size() && success.signals.test(n)
                    : n < success.codes.size() && success.codes.test(n);
  }
  // True when the process ended because of `stop_signal`, directly or by a
  // wrapper that exits 128+N as shells do.
  bool EndedBy(int stop_signal) const {
    return signaled ? value == stop_signal : value == 128 + stop_signal;
  }
  std::string Describe() const;  // "exited with status 1", "killed by SIGKILL"
  // The same, marked where a status other than exit 0 counts as a success
  // (success_exit_status): "exited with status 3 (a success status)", so
  // that "not restarting" after it does not puzzle.
  std::string Describe(bool success) const;
};

using base::SignalName;
using base::SignalNumber;

}  // namespace core
