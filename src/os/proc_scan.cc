#include "os/proc_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/unique_fd.h"
#include "os/proc_stats.h"

namespace os {
namespace {

// Reads a small /proc file relative to the /proc dir fd into buf.
ssize_t ReadAt(int dir_fd, const char* path, char* buf, size_t size) {
  int fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size);
  close(fd);
  return n;
}

// Fills ppid, pgrp, state and comm from /proc/PID/stat (os::ParseStat).
bool ReadStatInto(int dir_fd, const char* pid_str, core::ProcInfo& p) {
  char path[300];
  std::snprintf(path, sizeof path, "%s/stat", pid_str);
  char buf[1024];
  ssize_t n = ReadAt(dir_fd, path, buf, sizeof buf);
  if (n <= 0) return false;
  auto f = ParseStat(std::string_view(buf, static_cast<size_t>(n)));
  if (!f) return false;
  p.comm = std::move(f->comm);
  p.state = f->state;
  p.ppid = f->ppid;
  p.pgrp = f->pgrp;
  return true;
}

void ParseCmdline(int dir_fd, const char* pid_str, core::ProcInfo& p) {
  char path[300];
  std::snprintf(path, sizeof path, "%s/cmdline", pid_str);
  char buf[4096];
  ssize_t n = ReadAt(dir_fd, path, buf, sizeof buf);
  if (n <= 0) return;
  size_t len0 = strnlen(buf, static_cast<size_t>(n));
  p.argv0.assign(buf, len0);
  if (len0 + 1 < static_cast<size_t>(n)) {
    p.argv1.assign(buf + len0 + 1, strnlen(buf + len0 + 1, static_cast<size_t>(n) - len0 - 1));
  }
  p.cmdline.assign(buf, static_cast<size_t>(n));
  while (!p.cmdline.empty() && p.cmdline.back() == '\0') p.cmdline.pop_back();
  for (char& c : p.cmdline) {
    if (c == '\0') c = ' ';
  }
}

}  // namespace

std::vector<core::ProcInfo> ScanProcesses() {
  std::vector<core::ProcInfo> out;
  base::UniqueFd proc(open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc) return out;
  DIR* dir = fdopendir(fcntl(proc.Get(), F_DUPFD_CLOEXEC, 0));
  if (!dir) return out;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    core::ProcInfo p;
    p.pid = std::atoi(e->d_name);
    if (!ReadStatInto(proc.Get(), e->d_name, p)) continue;
    ParseCmdline(proc.Get(), e->d_name, p);
    out.push_back(std::move(p));
  }
  closedir(dir);
  return out;
}

std::optional<core::ProcInfo> ReadProcess(int pid) {
  base::UniqueFd proc(open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc) return std::nullopt;
  std::string name = std::to_string(pid);
  core::ProcInfo p;
  p.pid = pid;
  if (!ReadStatInto(proc.Get(), name.c_str(), p)) return std::nullopt;
  ParseCmdline(proc.Get(), name.c_str(), p);
  return p;
}

std::optional<int> ReadPidfile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[32];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  char* end = nullptr;
  long pid = std::strtol(buf, &end, 10);
  if (pid <= 0 || pid > 4194304) return std::nullopt;
  if (kill(static_cast<pid_t>(pid), 0) < 0 && errno == ESRCH) return std::nullopt;
  return static_cast<int>(pid);
}

}  // namespace os
