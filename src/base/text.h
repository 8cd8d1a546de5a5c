// Text helpers for messages a user reads: one line, no control characters.
#pragma once

#include <string>
#include <string_view>

namespace base {

// Escapes newlines, tabs and other control bytes (\n, \t, \xNN), so a value
// quoted in an error message keeps that message on one line.
std::string Printable(std::string_view s);

}  // namespace base
