#include "os/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

#include "os/proc_stats.h"

namespace os {

namespace {
char* g_args = nullptr;  // main's argv strings, contiguous
size_t g_args_size = 0;
}  // namespace

void RememberArgv(int argc, char** argv) {
  if (argc < 1) return;
  g_args = argv[0];
  char* end = argv[argc - 1] + std::strlen(argv[argc - 1]);
  g_args_size = static_cast<size_t>(end - g_args);
}

void Retitle(const char* title, const char* comm) {
  prctl(PR_SET_NAME, comm);
  if (!g_args || g_args_size == 0) return;
  // The arguments' space, NUL-terminated, holds the title (cut to fit).
  std::memset(g_args, 0, g_args_size + 1);
  std::strncpy(g_args, title, g_args_size);
}

int SelfPid() { return getpid(); }
uid_t SelfUid() { return getuid(); }
bool IsTerminal(int fd) { return isatty(fd) == 1; }

int ParentOf(int pid) {
  auto stat = ReadStat(pid);
  return stat ? stat->ppid : -1;
}

std::vector<int> Lineage(int pid, int max) {
  std::vector<int> out;
  for (int depth = 0; pid > 1 && depth < max; ++depth) {
    out.push_back(pid);
    pid = ParentOf(pid);
  }
  return out;
}

size_t FdLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY) return 1 << 20;
  return static_cast<size_t>(rl.rlim_cur);
}

uint64_t FdHardLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return 0;
  return rl.rlim_max;
}

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

namespace {

void ReadNumbers(const std::string& text, std::vector<int>& out) {
  const char* p = text.c_str();
  while (*p) {
    char* end = nullptr;
    long v = std::strtol(p, &end, 10);
    if (end == p) {
      ++p;
      continue;
    }
    if (v > 0) out.push_back(static_cast<int>(v));
    p = end;
  }
}

}  // namespace

std::vector<int> ChildrenOf(int pid) {
  std::vector<int> out;
  std::string task = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(task.c_str());
  bool have_file = false;
  if (dir) {
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
      std::string path = task + "/" + e->d_name + "/children";
      int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      have_file = true;
      std::string text;
      char buf[4096];
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
      close(fd);
      ReadNumbers(text, out);
    }
    closedir(dir);
  }
  if (have_file) return out;
  dir = opendir("/proc");  // no CONFIG_PROC_CHILDREN: a scan
  if (!dir) return out;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    int child = std::atoi(e->d_name);
    if (ParentOf(child) == pid) out.push_back(child);
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
