#include "os/spawn.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "os/lineage.h"
#include "os/process.h"
#include "os/signals.h"

namespace os {
namespace {

enum Stage {
  kSetpgid,
  kDup,
  kRlimit,
  kNice,
  kUmask,
  kGroups,
  kSetgid,
  kSetuid,
  kChdir,
  kExec,
  kSubreaper,
  kFork,
  kPlace
};
constexpr const char* kStageNames[] = {"setpgid",
                                       "redirecting output",
                                       "setrlimit",
                                       "setpriority (nice)",
                                       "umask",
                                       "setgroups",
                                       "setgid",
                                       "setuid",
                                       "chdir to ",
                                       "cannot execute ",
                                       "prctl(PR_SET_CHILD_SUBREAPER) in the lineage shim",
                                       "fork in the lineage shim",
                                       "placing listen sockets and notify_fd"};

struct ChildError {
  int stage;
  int err;
};

[[noreturn]] void Fail(int pipe_fd, int stage) {
  ChildError e{stage, errno};
  (void)!write(pipe_fd, &e, sizeof e);
  _exit(e.err == ENOENT && stage == kExec ? 127 : 126);
}

struct Prepared {
  std::vector<char*> argv, envp;
  std::vector<gid_t> groups;
  std::vector<std::string> programs;  // SearchPath
  std::vector<char*> sh_argv;         // /bin/sh PROGRAM ARGS..., PROGRAM filled in by the child
  std::string listen_pid;             // "LISTEN_PID=" and room for the digits the child writes
  std::vector<int> moved;             // the child's copies of the fds it places, above them all
};

constexpr size_t kListenPidPrefix = sizeof "LISTEN_PID=" - 1;

// The lowest fd number above every fd the child places (listen fds from
// 3, notify_fd); 3 when it places none.
int PlacedAbove(const SpawnRequest& r) {
  int above = 3 + static_cast<int>(r.listen_fds.size());
  if (r.extra_fd >= 0 && r.extra_target >= above) above = r.extra_target + 1;
  return above;
}

// Async-signal-safe: no allocation, into the room reserved before fork.
void WritePid(char* out, pid_t pid) {
  char digits[16];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + pid % 10);
    pid /= 10;
  } while (pid > 0);
  while (n > 0) *out++ = digits[--n];
  *out = '\0';
}

// Listen fds to 3, 4, ..., the notification fd to its number. Every
// source is first copied above all the targets (close-on-exec copies,
// gone at exec), so no dup2 closes a source another one still needs.
void PlaceFds(const SpawnRequest& r, Prepared& p, int report) {
  size_t n = r.listen_fds.size();
  bool extra = r.extra_fd >= 0 && r.extra_target >= 0;
  int above = PlacedAbove(r);
  for (size_t k = 0; k < n; ++k) {
    p.moved[k] = fcntl(r.listen_fds[k], F_DUPFD_CLOEXEC, above);
    if (p.moved[k] < 0) Fail(report, kPlace);
  }
  if (extra && (p.moved[n] = fcntl(r.extra_fd, F_DUPFD_CLOEXEC, above)) < 0) Fail(report, kPlace);
  if (r.stdout_fd >= 0 && dup2(r.stdout_fd, STDOUT_FILENO) < 0) Fail(report, kDup);
  if (r.stderr_fd >= 0 && dup2(r.stderr_fd, STDERR_FILENO) < 0) Fail(report, kDup);
  for (size_t k = 0; k < n; ++k) {
    if (dup2(p.moved[k], 3 + static_cast<int>(k)) < 0) Fail(report, kPlace);
  }
  if (extra && dup2(p.moved[n], r.extra_target) < 0) Fail(report, kPlace);
}

// execvpe's rules with the service's PATH: a program without a #! line
// runs through /bin/sh; EACCES is remembered and the search goes on; other
// errors than "not there" end it. Only execve: async-signal-safe.
void Exec(Prepared& p) {
  int err = ENOENT;
  for (const std::string& program : p.programs) {
    execve(program.c_str(), p.argv.data(), p.envp.data());
    if (errno == ENOEXEC) {
      p.sh_argv[1] = const_cast<char*>(program.c_str());
      execve("/bin/sh", p.sh_argv.data(), p.envp.data());
      return;
    }
    if (errno == EACCES) {
      err = EACCES;
    } else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE && errno != ENODEV &&
               errno != ETIMEDOUT) {
      return;
    }
  }
  errno = err;
}

// Runs in the child: async-signal-safe calls only, no allocation. Limits and
// priority come before dropping privileges (raising them needs root), the
// working directory after (so the user's own permissions apply).
[[noreturn]] void ExecChild(const SpawnRequest& r, Prepared& p, int report) {
  ResetSignalsForChild();
  if (setpgid(0, 0) < 0) Fail(report, kSetpgid);
  PlaceFds(r, p, report);
  // Here, not before fork: under a lineage shim this is the shim's child.
  if (!r.listen_fds.empty()) WritePid(p.listen_pid.data() + kListenPidPrefix, getpid());
  for (const spec::Rlimit& l : r.rlimits) {
    rlimit rl{static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)};
    if (setrlimit(static_cast<__rlimit_resource>(l.resource), &rl) < 0) Fail(report, kRlimit);
  }
  if (r.nice && setpriority(PRIO_PROCESS, 0, *r.nice) < 0) Fail(report, kNice);
  if (r.umask) umask(*r.umask);
  if (r.credentials) {
    if (setgroups(p.groups.size(), p.groups.data()) < 0) Fail(report, kGroups);
    if (setgid(r.credentials->gid) < 0) Fail(report, kSetgid);
    if (setuid(r.credentials->uid) < 0) Fail(report, kSetuid);
  }
  if (!r.working_dir.empty() && chdir(r.working_dir.c_str()) < 0) Fail(report, kChdir);
  Exec(p);
  Fail(report, kExec);
}

// Runs in the child that becomes the lineage shim: the command is its
// child, so that what the command orphans is reparented here.
[[noreturn]] void ShimThenExec(const SpawnRequest& r, Prepared& p, int report, int sock) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) Fail(report, kSubreaper);
  pid_t command = fork();
  if (command < 0) Fail(report, kFork);
  if (command == 0) ExecChild(r, p, report);
  Retitle(r.lineage_title.c_str(), "tend-lineage");
  RunShim(sock, command, *r.lineage_window);
}

// The shim's first report: the command's pid and pidfd. It was sent before
// the shim closed its end of the report pipe, so it is there by now.
base::Status TakeStarted(Child& child) {
  auto report = ReadShimReport(child.lineage.Get());
  if (!report) return report.Err();
  if (!*report || (*report)->kind != ShimReport::Kind::kStarted || (*report)->left.empty()) {
    return base::Error{"lineage: the shim did not report the command's start", EPROTO};
  }
  child.pid = (*report)->left[0].pid;
  child.pidfd = std::move((*report)->left[0].pidfd);
  return base::OkStatus();
}

}  // namespace

std::vector<std::string> SearchPath(const std::string& program,
                                    const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return {program};
  std::string path = "/bin:/usr/bin";  // glibc's default, confstr(_CS_PATH)
  for (const std::string& e : env) {
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  }
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    size_t colon = path.find(':', start);
    std::string candidate = path.substr(start, colon - start);  // "": the working directory
    if (!candidate.empty()) candidate += '/';
    out.push_back(candidate + program);
    if (colon == std::string::npos) return out;
    start = colon + 1;
  }
}

int ExecFailureCode(const base::Error& error) {
  return error.err == ENOENT && error.what.rfind("cannot execute", 0) == 0 ? 127 : 126;
}

base::Result<base::UniqueFd> PidfdOpen(int pid) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return base::Errno("pidfd_open");
  return base::UniqueFd(fd);
}

base::Result<Child> Spawn(const SpawnRequest& request) {
  Prepared p;
  for (const std::string& a : request.argv) p.argv.push_back(const_cast<char*>(a.c_str()));
  p.argv.push_back(nullptr);
  for (const std::string& e : request.env) {
    bool replaced = !request.listen_fds.empty() && e.rfind("LISTEN_PID=", 0) == 0;
    if (!replaced) p.envp.push_back(const_cast<char*>(e.c_str()));
  }
  if (!request.listen_fds.empty()) {
    p.listen_pid = "LISTEN_PID=" + std::string(16, '\0');
    p.envp.push_back(p.listen_pid.data());
  }
  p.envp.push_back(nullptr);
  p.moved.resize(request.listen_fds.size() + 1);
  if (request.credentials) p.groups = request.credentials->groups;
  if (!request.argv.empty()) p.programs = SearchPath(request.argv[0], request.env);
  p.sh_argv = p.argv;
  p.sh_argv.insert(p.sh_argv.begin(), const_cast<char*>("/bin/sh"));

  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) return base::Errno("pipe2");
  base::UniqueFd read_end(report[0]);
  base::UniqueFd write_end(report[1]);
  if (write_end.Get() < PlacedAbove(request)) {  // the child's dup2 could close it
    write_end = base::UniqueFd(fcntl(report[1], F_DUPFD_CLOEXEC, PlacedAbove(request)));
    if (!write_end) return base::Errno("fcntl");
  }

  base::UniqueFd lineage, shim_end;
  if (request.lineage_window) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
      return base::Errno("socketpair");
    }
    lineage = base::UniqueFd(sv[0]);
    shim_end = base::UniqueFd(sv[1]);
  }

  pid_t pid = fork();
  if (pid < 0) return base::Errno("fork");
  if (pid == 0 && shim_end) ShimThenExec(request, p, write_end.Get(), shim_end.Get());
  if (pid == 0) ExecChild(request, p, write_end.Get());
  write_end.Reset();
  shim_end.Reset();

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
    std::string what = kStageNames[e.stage];
    if (e.stage == kExec) what += request.argv[0];
    if (e.stage == kChdir) what += request.working_dir;
    return base::Error{what, e.err};
  }
  if (lineage) {
    Child child;
    child.shim_pid = pid;
    child.lineage = std::move(lineage);
    if (auto st = TakeStarted(child); !st) return st.Err();  // the shim exits on its own
    return child;
  }
  // Safe: the child cannot be reaped (hence its pid reused) before we do it.
  auto pidfd = PidfdOpen(pid);
  return Child{pid, pidfd ? std::move(*pidfd) : base::UniqueFd(), 0, base::UniqueFd()};
}

}  // namespace os
