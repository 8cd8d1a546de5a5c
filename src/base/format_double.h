// FormatDouble: the shortest decimal text that reads back as the same
// double, written as std::to_chars(first, last, value) writes it. Built on
// snprintf, which the static binary links anyway: std::to_chars of a double
// brings 128 KB of tables (floating_to_chars.o) into a 1 MB binary.
#pragma once

#include <string>

namespace base {

// "1.25", "1700000000.5", "100", "1e+300", "-0", "inf", "nan".
std::string FormatDouble(double value);

}  // namespace base
