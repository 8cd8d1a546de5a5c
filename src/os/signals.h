// Signals as PID 1 needs them: everything but the synchronous faults is
// blocked and read from one signalfd, so no handler ever runs and no signal
// is lost between epoll_wait calls. Children get a clean slate before exec.
#pragma once

#include <sys/signalfd.h>

#include <csignal>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

// Blocks every signal except SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
// SIGTRAP and SIGSYS (tini's configure_signals). Call first in main.
void BlockSignals();

// Unblocks everything and restores default dispositions; for the child
// between fork and exec. Only async-signal-safe calls.
void ResetSignalsForChild();

class SignalFd {
 public:
  static base::Result<SignalFd> Open();
  int Fd() const { return fd_.Get(); }
  // Every pending signal, in arrival order; empty when none.
  std::vector<signalfd_siginfo> ReadAll();

 private:
  explicit SignalFd(base::UniqueFd fd) : fd_(std::move(fd)) {}
  base::UniqueFd fd_;
};

}  // namespace os
