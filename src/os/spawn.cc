#include "os/spawn.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "os/signals.h"

namespace os {
namespace {

struct ChildError {
  int stage;  // 0 = setpgid, 1 = dup2, 2 = exec
  int err;
};

[[noreturn]] void Fail(int pipe_fd, int stage) {
  ChildError e{stage, errno};
  (void)!write(pipe_fd, &e, sizeof e);
  _exit(e.err == ENOENT ? 127 : 126);
}

// Runs in the child: async-signal-safe calls only, no allocation.
[[noreturn]] void ExecChild(char* const* argv, int out, int err, int report) {
  ResetSignalsForChild();
  if (setpgid(0, 0) < 0) Fail(report, 0);
  if (out >= 0 && dup2(out, STDOUT_FILENO) < 0) Fail(report, 1);
  if (err >= 0 && dup2(err, STDERR_FILENO) < 0) Fail(report, 1);
  execvp(argv[0], argv);
  Fail(report, 2);
}

}  // namespace

int ExecFailureCode(int err) { return err == ENOENT ? 127 : 126; }

base::Result<base::UniqueFd> PidfdOpen(int pid) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return base::Errno("pidfd_open");
  return base::UniqueFd(fd);
}

base::Result<Child> Spawn(const SpawnRequest& request) {
  std::vector<char*> argv;
  for (const std::string& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) return base::Errno("pipe2");
  base::UniqueFd read_end(report[0]);
  base::UniqueFd write_end(report[1]);

  pid_t pid = fork();
  if (pid < 0) return base::Errno("fork");
  if (pid == 0) ExecChild(argv.data(), request.stdout_fd, request.stderr_fd, write_end.Get());
  write_end.Reset();

  // Blocks only until the child's exec (EOF) or its error report: the time
  // of one exec, never longer.
  ChildError e{};
  ssize_t n;
  do {
    n = read(read_end.Get(), &e, sizeof e);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof e)) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    static constexpr const char* kStages[] = {"setpgid", "dup2", "cannot execute "};
    std::string what = kStages[e.stage];
    if (e.stage == 2) what += request.argv[0];
    return base::Error{what, e.err};
  }
  // Safe: the child cannot be reaped (hence its pid reused) before we do it.
  auto pidfd = PidfdOpen(pid);
  return Child{pid, pidfd ? std::move(*pidfd) : base::UniqueFd()};
}

}  // namespace os
