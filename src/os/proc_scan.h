// ProcScan: a snapshot of the process table from /proc, for matching
// daemons (core/process_match.h) and finding tend's children. Reads
// /proc/PID/stat and /proc/PID/cmdline through one directory fd; a process
// that vanishes mid-scan is skipped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/process_match.h"

namespace os {

std::vector<core::ProcInfo> ScanProcesses();
// One process, read again (nullopt when it is gone).
std::optional<core::ProcInfo> ReadProcess(int pid);

// The pid in a pidfile, when the file holds one and that process exists.
std::optional<int> ReadPidfile(const std::string& path);

}  // namespace os
