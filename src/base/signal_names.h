// Signal names and numbers, both ways, for log lines and configuration.
#pragma once

#include <string>

namespace base {

// "SIGTERM" for 15; "signal 42" for anything unnamed.
std::string SignalName(int sig);
// 15 for "TERM", "SIGTERM" or "15"; 0 when unknown.
int SignalNumber(const std::string& name);

}  // namespace base
