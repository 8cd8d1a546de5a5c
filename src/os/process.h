// Process: signalling the processes tend supervises, without ever hitting a
// pid that was recycled, and finding its children in /proc.
#pragma once

#include <sys/types.h>

#include <vector>

#include "base/result.h"
#include "config/service_spec.h"

namespace os {

int SelfPid();
uid_t SelfUid();
bool IsTerminal(int fd);

// Makes tend adopt orphaned descendants when it is not PID 1.
base::Status BecomeSubreaper();

// Raises the soft RLIMIT_NOFILE to the hard limit (tend holds a few fds per
// service) and returns the limits tend was started with, which services
// get back: some programs loop over every possible fd, or use select().
spec::Rlimit RaiseFdLimit();
// The soft RLIMIT_NOFILE now, and the hard one (0 when unknown).
size_t FdLimit();
uint64_t FdHardLimit();

// Whether process `pid` exists (kill(pid, 0) did not say ESRCH).
bool ProcessExists(int pid);

// Signals the process group led by `pid`, falling back to the process itself
// (through its pidfd) when it left that group. Callers pass only a pid they
// have not reaped yet, so the group cannot belong to anyone else.
base::Status SignalGroup(int pid, int pidfd, int sig);

// Signals an adopted daemon process through its pidfd (by pid in the
// rescan fallback), and its process group too when it leads one.
void SignalDaemon(int pid, int pidfd, int sig);

// The parent of `pid` (from /proc/PID/stat), or -1 when it is gone.
int ParentOf(int pid);

// `pid`, its parent, its parent's parent... up to `max` of them, stopping
// before PID 1 and where a process is gone.
std::vector<int> Lineage(int pid, int max = 64);

// Keeps where main's argv lies, so that a forked helper can retitle itself.
void RememberArgv(int argc, char** argv);
// In a forked child that does not exec: shows `title` as its command line
// (in the space the arguments took) and `comm` as its name, so that ps and
// scans of /proc never take it for tend or for a service.
void Retitle(const char* title, const char* comm);

// Pids whose parent is `parent`: from /proc/PID/task/*/children, or a
// scan of /proc where the kernel lacks that file.
std::vector<int> ChildrenOf(int parent);

// Every process tend may own: as PID 1, everything in the namespace
// (kill(-1) spares tend itself); otherwise each child and its group.
void SignalDescendants(int sig);

}  // namespace os
