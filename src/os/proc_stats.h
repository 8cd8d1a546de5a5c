// ProcStats: CPU time, resident memory and open fds of a process from
// /proc, for the /metrics endpoint. The parsers are pure and separate so
// they are testable on captured text; the readers return nullopt fields
// when the process has vanished (it may exit between two reads).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace os {

// The fields of /proc/PID/stat tend uses, times in clock ticks as the
// kernel gives them. This is the one parser of that file: the process scan,
// ancestry walks and /metrics all read it through here.
struct StatFields {
  std::string comm;  // field 2, without its parentheses
  char state = '?';
  int ppid = 0;
  int pgrp = 0;
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  uint64_t starttime_ticks = 0;       // since boot
  std::optional<uint64_t> rss_pages;  // field 24, where the line has it
};

// Parses a /proc/PID/stat line. comm (field 2) is in parentheses and may
// hold spaces and ')' itself, so the fields are counted from the LAST ')'.
std::optional<StatFields> ParseStat(std::string_view text);
// /proc/PID/stat read and parsed; nullopt when the process is gone.
std::optional<StatFields> ReadStat(int pid);
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
