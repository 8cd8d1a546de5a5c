// Service names: derived from a command the way cfe-docker did (the basename
// of the executable), made unique with -2, -3, ... in order of appearance.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/command_line.h"
#include "config/service_spec.h"

namespace spec {

// "/usr/sbin/sshd -D" -> "sshd"; "FOO=1 /opt/app/run | tee" -> "run".
// Leading assignments and `exec` are skipped; characters that would make a
// poor log prefix become '_'. Never empty: falls back to "sh".
std::string NameFor(const CommandLine& command);

// Makes derived names fit to be service names, in place: cuts each to
// kMaxNameBytes, then renames repeats, {"sh","sh","sh"} -> {"sh","sh-2","sh-3"},
// skipping suffixes already taken and cutting more to make room for them.
void MakeUnique(std::vector<std::string>& names);

// The error for an explicit name over kMaxNameBytes, with the limit.
std::string NameTooLong(std::string_view name);

}  // namespace spec
