#include "os/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace os {
namespace {

// Reads /proc/PID/stat's ppid: the field after the last ')' (comm may hold
// spaces and parentheses).
int ParentOf(int pid) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[512];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  char* close_paren = std::strrchr(buf, ')');
  if (!close_paren) return -1;
  int ppid = -1;
  char state;
  if (std::sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2) return -1;
  return ppid;
}

}  // namespace

spec::Rlimit RaiseFdLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return {RLIMIT_NOFILE, 0, 0};
  spec::Rlimit original{RLIMIT_NOFILE, rl.rlim_cur, rl.rlim_max};
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);  // best effort: tend works within the old one too
  }
  return original;
}

base::Status BecomeSubreaper() {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) return base::Errno("prctl(PR_SET_CHILD_SUBREAPER)");
  return base::OkStatus();
}

base::Status SignalGroup(int pid, int pidfd, int sig) {
  if (kill(-pid, sig) == 0) return base::OkStatus();
  if (errno != ESRCH) return base::Errno("kill");
  if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0 && errno != ESRCH) {
    return base::Errno("pidfd_send_signal");
  }
  return base::OkStatus();
}

void SignalDaemon(int pid, int pidfd, int sig) {
  if (pidfd >= 0) {
    if (syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0) return;  // gone
  } else if (kill(pid, sig) < 0) {
    return;
  }
  // It was alive a moment ago, so `pid` still names it: safe to ask.
  if (getpgid(pid) == pid) kill(-pid, sig);
}

std::vector<int> ChildrenOf(int parent) {
  std::vector<int> out;
  DIR* dir = opendir("/proc");
  if (!dir) return out;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    int pid = std::atoi(e->d_name);
    if (ParentOf(pid) == parent) out.push_back(pid);
  }
  closedir(dir);
  return out;
}

void SignalDescendants(int sig) {
  if (getpid() == 1) {
    kill(-1, sig);
    return;
  }
  // A child here is not reaped yet, so its pid is still ours to signal.
  for (int pid : ChildrenOf(getpid())) {
    kill(-pid, sig);  // its group, when it leads one
    kill(pid, sig);   // and itself, when it does not
  }
}

bool ProcessExists(int pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

}  // namespace os
