// UTF-8 as tend checks it. Services write bytes, not text; JSON must be
// text. These helpers find where characters begin and end so that JSON can
// replace what is not UTF-8 and long lines are cut between characters.
// Well-formed means Unicode's table 3-7: no overlong forms, no surrogates,
// nothing above U+10FFFF. Pure; anyone may call them.
#pragma once

#include <cstddef>
#include <string_view>

namespace logs {

// Length (1 to 4) of the well-formed character at the start of `s`, or 0
// when `s` is empty or starts with an ill-formed sequence.
size_t Utf8CharLength(std::string_view s);

// Length (1 to 3) of the ill-formed sequence at the start of `s`: its
// "maximal subpart" (Unicode 3.9), the bytes one U+FFFD stands for, as in
// browsers' and Python's decoders. Only for `s` where Utf8CharLength is 0.
size_t Utf8InvalidLength(std::string_view s);

// How many bytes (0 to 3) at the end of `s` begin a well-formed character
// whose remaining bytes are still to come: where to cut `s` short so that
// no character is split.
size_t Utf8IncompleteTail(std::string_view s);

}  // namespace logs
