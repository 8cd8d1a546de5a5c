// EnvFile: the text of a service's env_file as variables. Read when the
// configuration is (to report a bad line with its place) and again at each
// start of the service (app/env_files), so both judge a file the same way.
// Lines are KEY=value; blank lines and lines starting with '#' are skipped,
// a leading `export ` is dropped, and one pair of matching quotes around
// the value is stripped (docker's and systemd's common ground). Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace spec {

struct EnvFileError {
  int line = 0;  // 1-based
  std::string message;
};

struct EnvFileVars {
  std::vector<std::string> vars;  // "KEY=value", in file order (a later KEY wins)
  std::vector<EnvFileError> errors;
};

// Every bad line is an error; at most kMaxEnvFileErrors are reported (a
// 1 MiB file of bad lines says so in a few lines, not 10^5).
inline constexpr size_t kMaxEnvFileErrors = 10;
EnvFileVars ParseEnvFile(std::string_view text);

}  // namespace spec
