// ProcStats: CPU time, resident memory and open fds of a process from
// /proc, for the /metrics endpoint. The parsers are pure and separate so
// they are testable on captured text; the readers return nullopt fields
// when the process has vanished (it may exit between two reads).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace os {

// The fields of /proc/PID/stat we use, in clock ticks as the kernel gives them.
struct StatFields {
  char state = '?';
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  uint64_t starttime_ticks = 0;       // since boot
  std::optional<uint64_t> rss_pages;  // field 24, where the line has it
};

// Parses a /proc/PID/stat line. comm (field 2) is in parentheses and may
// hold spaces and ')' itself, so the fields are counted from the LAST ')'.
std::optional<StatFields> ParseStat(std::string_view text);
// Resident pages: the second field of /proc/PID/statm.
std::optional<uint64_t> ParseStatmResident(std::string_view text);

struct ProcStats {
  std::optional<double> cpu_seconds;  // user + system
  std::optional<int64_t> rss_bytes;
  std::optional<double> start_seconds_after_boot;
};

ProcStats ReadProcStats(int pid);
// Open fds of tend itself (entries of /proc/self/fd, minus the one used to
// list them).
std::optional<int64_t> CountOwnOpenFds();

}  // namespace os
