#include "os/proc_stats.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <string>

#include "base/unique_fd.h"

namespace os {
namespace {

// The next space-separated field of `s`, consumed.
std::string_view NextField(std::string_view& s) {
  size_t start = s.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    s = {};
    return {};
  }
  s.remove_prefix(start);
  size_t end = s.find_first_of(" \n");
  std::string_view field = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return field;
}

std::optional<uint64_t> ToU64(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// A small /proc file, whole. /proc files report size 0, so read to EOF.
std::optional<std::string> ReadProcFile(const std::string& path) {
  base::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string out;
  char buf[1024];
  while (out.size() < 65536) {
    ssize_t n = read(fd.Get(), buf, sizeof buf);
    if (n < 0) return std::nullopt;  // ESRCH: the process died while we read
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

std::optional<StatFields> ParseStat(std::string_view text) {
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (close == std::string_view::npos || open > close) return std::nullopt;
  std::string_view rest = text.substr(close + 1);
  // Fields after comm, numbered as in proc(5): 3 state, 4 ppid, 5 pgrp ...
  // 14 utime, 15 stime ... 22 starttime.
  StatFields f;
  f.comm = std::string(text.substr(open + 1, close - open - 1));
  for (int field = 3; field <= 22; ++field) {
    std::string_view v = NextField(rest);
    if (v.empty()) return std::nullopt;
    if (field == 3) {
      if (v.size() != 1) return std::nullopt;
      f.state = v[0];
      continue;
    }
    if (field == 4 || field == 5) {
      auto n = ToU64(v);
      if (!n) return std::nullopt;
      (field == 4 ? f.ppid : f.pgrp) = static_cast<int>(*n);
      continue;
    }
    if (field != 14 && field != 15 && field != 22) continue;
    auto n = ToU64(v);
    if (!n) return std::nullopt;
    (field == 14 ? f.utime_ticks : field == 15 ? f.stime_ticks : f.starttime_ticks) = *n;
  }
  NextField(rest);                       // 23 vsize
  f.rss_pages = ToU64(NextField(rest));  // 24 rss: one read gives both
  return f;
}

std::optional<uint64_t> ParseStatmResident(std::string_view text) {
  if (NextField(text).empty()) return std::nullopt;  // size
  return ToU64(NextField(text));
}

std::optional<StatFields> ReadStat(int pid) {
  auto text = ReadProcFile("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  return ParseStat(*text);
}

ProcStats ReadProcStats(int pid) {
  ProcStats out;
  std::string dir = "/proc/" + std::to_string(pid) + "/";
  static const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const long page = sysconf(_SC_PAGESIZE);
  if (auto text = ReadProcFile(dir + "stat")) {
    if (auto f = ParseStat(*text); f && ticks > 0) {
      out.cpu_seconds = static_cast<double>(f->utime_ticks + f->stime_ticks) / ticks;
      out.start_seconds_after_boot = static_cast<double>(f->starttime_ticks) / ticks;
      if (f->rss_pages && page > 0) {
        out.rss_bytes = static_cast<int64_t>(*f->rss_pages * static_cast<uint64_t>(page));
        return out;  // no second file to read: a scrape reads one per process
      }
    }
  }
  if (auto text = ReadProcFile(dir + "statm")) {
    if (auto pages = ParseStatmResident(*text); pages && page > 0) {
      out.rss_bytes = static_cast<int64_t>(*pages * static_cast<uint64_t>(page));
    }
  }
  return out;
}

std::optional<int64_t> CountOwnOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return std::nullopt;
  int64_t count = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the directory's own fd, open while it was listed
}

}  // namespace os
