#include "os/lineage.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <set>

#include "os/proc_scan.h"
#include "os/process.h"
#include "os/spawn.h"
#include "os/timer_fd.h"

namespace os {
namespace {

// One report on the wire; its pidfds travel as SCM_RIGHTS, in the order of
// the pids whose bit is set in `with_fd` (a pid whose pidfd_open failed
// comes without one).
struct Wire {
  uint32_t kind;
  int32_t wait_status;
  uint32_t count;
  uint32_t pad;
  uint64_t with_fd;
  int32_t pids[kMaxHandedPerReport];
};

// A pidfd as a plain number, to pass on and close: -1 when there is none.
int PidfdOpenRaw(int pid) {
  auto fd = PidfdOpen(pid);
  return fd ? fd->Release() : -1;
}

// Sends one report; pids[k] goes with fds[k] when that is >= 0.
void Send(int sock, ShimReport::Kind kind, int wait_status, const int* pids, const int* fds,
          int count) {
  Wire w{};
  w.kind = static_cast<uint32_t>(kind);
  w.wait_status = wait_status;
  w.count = static_cast<uint32_t>(count);
  int passed[kMaxHandedPerReport];
  int n = 0;
  for (int k = 0; k < count; ++k) {
    w.pids[k] = pids[k];
    if (fds[k] >= 0) {
      w.with_fd |= uint64_t{1} << k;
      passed[n++] = fds[k];
    }
  }
  iovec iov{&w, sizeof w};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxHandedPerReport)];
  if (n > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * static_cast<size_t>(n));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * static_cast<size_t>(n));
    std::memcpy(CMSG_DATA(c), passed, sizeof(int) * static_cast<size_t>(n));
  }
  while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

// The shim keeps only its socket: tend's other fds (output pipes above
// all, whose EOF tells tend a service's stream ended) must not stay open
// in a process that never execs.
void CloseAllBut(int keep) {
  if (keep > 3) syscall(SYS_close_range, 3U, static_cast<unsigned>(keep - 1), 0U);
  if (syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0U, 0U) == 0) return;
  for (int fd = 3; fd < 1024; ++fd) {  // kernels before 5.9
    if (fd != keep) close(fd);
  }
}

// Reaps every child that ended; notes the command's status when it did.
void ReapDead(int command, bool& exited, int& status) {
  for (;;) {
    int st = 0;
    pid_t pid = waitpid(-1, &st, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;
    if (pid == command) {
      exited = true;
      status = st;
    }
  }
}

// Hands over the shim's children (but a command that still runs) until a
// look finds none it has not handed yet: one that was mid-exit while we
// looked may have left us another.
void HandOver(int sock, int command, bool& exited, int& status) {
  std::set<int> handed;
  for (int round = 0; round < 16; ++round) {
    ReapDead(command, exited, status);
    int pids[kMaxHandedPerReport];
    int fds[kMaxHandedPerReport];
    int n = 0;
    for (int pid : ChildrenOf(getpid())) {
      if ((pid == command && !exited) || !handed.insert(pid).second) continue;
      pids[n] = pid;
      fds[n] = PidfdOpenRaw(pid);
      if (++n == kMaxHandedPerReport) {
        Send(sock, ShimReport::Kind::kLeft, 0, pids, fds, n);
        for (int k = 0; k < n; ++k) close(fds[k]);
        n = 0;
      }
    }
    if (n > 0) {
      Send(sock, ShimReport::Kind::kLeft, 0, pids, fds, n);
      for (int k = 0; k < n; ++k) close(fds[k]);
    } else {
      return;
    }
  }
}

}  // namespace

[[noreturn]] void RunShim(int sock, int command, base::Duration window) {
  int cfd = PidfdOpenRaw(command);
  Send(sock, ShimReport::Kind::kStarted, 0, &command, &cfd, 1);
  CloseAllBut(sock);  // the command's pidfd and the spawn report pipe too
  // Every signal stays blocked, as tend left them: the shim handles none
  // (a stop or kill aimed at the service's group is not for it) and learns
  // of its children through a signalfd.
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, nullptr);  // blocked in tend already; be sure
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  base::TimePoint deadline = Now() + window;
  bool exited = false;
  int status = 0;
  for (;;) {
    ReapDead(command, exited, status);
    if (exited) break;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Now()).count();
    if (left <= 0) break;
    pollfd p{sfd, POLLIN, 0};
    // Without a signalfd, look every 50 ms: a fallback for a failure that
    // should not happen (signalfd needs no privilege).
    (void)poll(&p, sfd >= 0 ? 1 : 0, sfd >= 0 ? static_cast<int>(left) : 50);
    signalfd_siginfo info[8];
    while (sfd >= 0 && read(sfd, info, sizeof info) > 0) {
    }
  }
  HandOver(sock, command, exited, status);
  int none = -1;
  Send(sock, exited ? ShimReport::Kind::kExited : ShimReport::Kind::kHandover, status, &none, &none,
       0);
  _exit(0);
}

base::Result<std::optional<ShimReport>> ReadShimReport(int sock) {
  Wire w{};
  iovec iov{&w, sizeof w};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxHandedPerReport)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return std::optional<ShimReport>();
  if (n < 0) return base::Errno("recvmsg (lineage)");
  if (n == 0) return base::Error{"lineage: the shim closed its socket", 0};
  // Take the fds first: whatever else is wrong, none may leak.
  std::vector<base::UniqueFd> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t k = 0; k < count; ++k) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof fd);
      fds.emplace_back(fd);
    }
  }
  if (static_cast<size_t>(n) != sizeof w || w.count > kMaxHandedPerReport ||
      w.kind > static_cast<uint32_t>(ShimReport::Kind::kHandover)) {
    return base::Error{"lineage: a malformed report", EPROTO};
  }
  ShimReport r;
  r.kind = static_cast<ShimReport::Kind>(w.kind);
  r.wait_status = w.wait_status;
  size_t next_fd = 0;
  for (uint32_t k = 0; k < w.count; ++k) {
    Handed h;
    h.pid = w.pids[k];
    // MSG_CTRUNC (tend out of fds) leaves some without: they come by pid.
    if ((w.with_fd >> k & 1) && next_fd < fds.size()) h.pidfd = std::move(fds[next_fd++]);
    r.left.push_back(std::move(h));
  }
  return std::optional<ShimReport>(std::move(r));
}

std::vector<Handed> GroupMembers(int pgid) {
  std::vector<Handed> out;
  if (pgid <= 1 || pgid == getpgrp() || kill(-pgid, 0) < 0) return out;
  int self = getpid();
  for (const core::ProcInfo& p : ScanProcesses()) {
    if (p.pgrp != pgid || p.pid == self || p.state == 'Z') continue;
    auto fd = PidfdOpen(p.pid);
    if (!fd && fd.Err().err == ESRCH) continue;  // gone since the scan
    Handed h;
    h.pid = p.pid;
    if (fd) h.pidfd = std::move(*fd);
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace os
