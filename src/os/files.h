// Files: whole small files (configs, /etc/passwd) and directory listings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace os {

// The file's contents, or nullopt (errno kept) when it cannot be read.
// Refuses files over 16 MiB: configs are small.
std::optional<std::string> ReadFile(const std::string& path);

// /dev/null for reading and writing, close-on-exec (invalid if missing).
base::UniqueFd OpenDevNull();
bool Exists(const std::string& path);
bool IsDirectory(const std::string& path);
// Names in `dir` ending in `suffix`, sorted; empty when dir is missing.
std::vector<std::string> ListDir(const std::string& dir, const std::string& suffix);

}  // namespace os
