// Service names: derived from a command the way cfe-docker did (the basename
// of the executable), made unique with -2, -3, ... in order of appearance.
#pragma once

#include <string>
#include <vector>

#include "spec/command_line.h"

namespace spec {

// "/usr/sbin/sshd -D" -> "sshd"; "FOO=1 /opt/app/run | tee" -> "run".
// Leading assignments and `exec` are skipped; characters that would make a
// poor log prefix become '_'. Never empty: falls back to "sh".
std::string NameFor(const CommandLine& command);

// Renames repeats in place: {"sh","sh","sh"} -> {"sh","sh-2","sh-3"}, and
// skips suffixes already taken by other names.
void MakeUnique(std::vector<std::string>& names);

}  // namespace spec
