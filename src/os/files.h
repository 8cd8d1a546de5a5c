// Files: whole small files (configs, /etc/passwd) and directory listings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

// The file's contents, or nullopt (errno kept) when it cannot be read.
// Refuses files over 16 MiB: configs are small.
std::optional<std::string> ReadFile(const std::string& path);

// ReadFile for a file read while tend runs (a service's env_file, at each
// start), where PID 1 must not block: opened non-blocking, and refused
// unless it is a regular file (a FIFO would wait for a writer forever, a
// device may never end). At most `max` bytes; more is EFBIG.
base::Result<std::string> ReadRegularFile(const std::string& path, size_t max);

// /dev/null for reading and writing, close-on-exec (invalid if missing).
base::UniqueFd OpenDevNull();
bool Exists(const std::string& path);
bool IsDirectory(const std::string& path);
// Names in `dir` ending in `suffix`, sorted; empty when dir is missing.
std::vector<std::string> ListDir(const std::string& dir, const std::string& suffix);

}  // namespace os
