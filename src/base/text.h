// Text helpers for messages a user reads: one line, no control characters.
#pragma once

#include <string>
#include <string_view>

namespace base {

// Escapes newlines, tabs and other control bytes (\n, \t, \xNN), so a value
// quoted in an error message keeps that message on one line.
// Past `max` bytes it stops and adds "...", so a 100 KB value quoted in a
// message leaves it readable.
std::string Printable(std::string_view s, size_t max = std::string_view::npos);

// Digits with at most one '.', and at least one digit: "8", "2.5", ".5".
// strtod alone also takes signs, spaces, exponents, hex, inf and nan, so
// "--grace 0x10" was 16 seconds.
bool IsDecimal(std::string_view s);

}  // namespace base
