#include "os/signals.h"

#include <sys/signalfd.h>
#include <unistd.h>

namespace os {
namespace {

sigset_t BlockedSet() {
  sigset_t set;
  sigfillset(&set);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) {
    sigdelset(&set, sig);
  }
  return set;
}

}  // namespace

void BlockSignals() {
  sigset_t set = BlockedSet();
  sigprocmask(SIG_SETMASK, &set, nullptr);
}

void ResetSignalsForChild() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

base::Result<SignalFd> SignalFd::Open() {
  sigset_t set = BlockedSet();
  int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return base::Errno("signalfd");
  return SignalFd(base::UniqueFd(fd));
}

std::vector<signalfd_siginfo> SignalFd::ReadAll() {
  std::vector<signalfd_siginfo> out;
  signalfd_siginfo buf[16];
  for (;;) {
    ssize_t n = read(fd_.Get(), buf, sizeof buf);
    if (n <= 0) break;
    out.insert(out.end(), buf, buf + n / static_cast<ssize_t>(sizeof buf[0]));
  }
  return out;
}

}  // namespace os
