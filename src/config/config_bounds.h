// Config bounds: what tend accepts from a configuration file before any
// parser sees it. toml++ recurses once per level of nesting (and frees its
// tree the same way), so 80000 dotted key parts overflow tend's stack: as
// PID 1, on a SIGHUP, that kills the container. These checks are cheap, pure
// and conservative: a real configuration is far inside every bound.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace spec {

inline constexpr size_t kMaxConfigBytes = 1 << 20;  // one file
// Levels of the TOML tree: table header parts, dotted key parts, inline
// tables and arrays counted together. tend.toml itself needs 5.
inline constexpr int kMaxNesting = 32;
inline constexpr size_t kMaxKeyBytes = 1024;  // one key, all its dotted parts

// Any format (TOML, Procfile, CSV, env files): the size, and NUL bytes,
// which would cut an argument short where it becomes a C string.
std::optional<Diagnostic> CheckText(std::string_view text, const std::string& file);

// tend.toml, after CheckText: nesting, key length, NUL escapes (\u0000),
// and non-ASCII where toml++ 3.3 would reach undefined behaviour (outside
// quotes, where TOML forbids it anyway, and after a backslash in a
// multi-line string). Knows strings and comments well enough not to count
// brackets or dots inside them; anything else it does not understand it
// leaves for toml++ to report.
std::optional<Diagnostic> PrescanToml(std::string_view text, const std::string& file);

}  // namespace spec
