// The version line of tend and tendctl: `tend 0.9.0 (commit 1a2b3c4, x86_64)`.
// Version and commit come from the build (cmake/version.cmake); the
// architecture from the compiler's target, so a cross build names its own.
#pragma once

#include <string>

namespace base {

const char* Version();       // "0.9.0"
const char* Commit();        // "1a2b3c4", or "unknown"
const char* Architecture();  // "x86_64", "aarch64", "armhf", ...
// "<program> <version> (commit <commit>, <architecture>)"
std::string VersionLine(const std::string& program);

}  // namespace base
