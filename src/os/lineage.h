// Lineage: what a service's command leaves behind, known exactly rather than
// guessed from names. os::Spawn can run a command under a shim: a child of
// tend that makes itself a child subreaper (PR_SET_CHILD_SUBREAPER), forks
// the command and never execs. Every process of the command's tree that is
// orphaned while the shim lives (a daemon whose parent exited, whatever its
// name, session or group) is reparented to the shim. When the command
// exits, the shim reaps it and hands tend, over a SOCK_SEQPACKET socket, a
// pidfd (SCM_RIGHTS) for each process it was left with, then the command's
// wait status, and exits: those processes reparent to tend already watched,
// so no death between the command's exit and tend's look goes unnoticed.
//
// The shim is short-lived: if the command still runs after `window` (a
// foreground service, not a start command), the shim hands over what was
// orphaned so far, says so, and exits; the command then is tend's child.
// Orphans the shim reaps itself while it lives (they ended) are forgotten.
//
// Needs no privilege: a subreaper is any process's own business.
#pragma once

#include <optional>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

// One process, with a pidfd when the kernel has pidfd_open.
struct Handed {
  int pid = 0;
  base::UniqueFd pidfd;
};

struct ShimReport {
  enum class Kind {
    kStarted,   // the command's pid and pidfd (`left[0]`), sent first
    kLeft,      // processes orphaned in the command's tree (more may follow)
    kExited,    // the command ended with `wait_status`; the last report
    kHandover,  // the window is over and the command still runs; the last report
  };
  Kind kind = Kind::kLeft;
  int wait_status = 0;
  std::vector<Handed> left;
};

// At most this many processes per kLeft report (SCM_MAX_FD is 253).
inline constexpr int kMaxHandedPerReport = 64;

// The shim's side, in the child that will be the shim, right after it
// forked `command`: reports until the command exits or `window` passes,
// then exits. Only the socket `sock` is used.
[[noreturn]] void RunShim(int sock, int command, base::Duration window);

// tend's side: the next report waiting on `sock` (non-blocking), nullopt
// when none is; an error once the shim closed its end (EOF) or on a bad
// message.
base::Result<std::optional<ShimReport>> ReadShimReport(int sock);

// The live members of process group `pgid` but tend, each with a pidfd
// (none when the group is empty: one kill(2) tells, without a scan).
std::vector<Handed> GroupMembers(int pgid);

}  // namespace os
