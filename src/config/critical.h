// Critical services named on tend's command line: `--critical NAME`
// (repeatable) or TEND_CRITICAL="a,b". A service named there ends the
// container when it ends: it is critical (as `critical = true`) and never
// restarted, whatever --restart or its file says, so tend stops
// everything and exits with its status. Names are those tend gives
// (naming.h: sshd for "/usr/sbin/sshd -D"), for command-line services and
// services from files alike. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace spec {

// "sshd, nginx" -> {"sshd", "nginx"}: split at commas, blanks around each
// name trimmed. An empty name ("a,,b", "a,", " ") is an error naming
// `where` (the option or variable); so is a name over kMaxNameBytes, which
// no service has.
struct NameList {
  std::vector<std::string> names;
  std::optional<std::string> error;
};
NameList ParseNameList(std::string_view text, const std::string& where);

// Marks each named service critical and restart "never". An unknown name is
// an error naming `where`, the name, and the services there are.
void MarkCritical(const std::vector<std::string>& names, const std::string& where,
                  std::vector<ServiceSpec>& services, std::vector<Diagnostic>& errors);

}  // namespace spec
