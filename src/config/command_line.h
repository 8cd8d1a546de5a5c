// CommandLine: one service's command line, split into words the way a POSIX
// shell would (single quotes, double quotes, backslash), plus the verdict of
// whether it needs a real shell. tend runs what it can without /bin/sh, and
// hands the rest to `/bin/sh -c LINE` unchanged, as cfe-docker did.
//
// A line needs a shell when, outside quotes, it holds an operator or
// expansion a plain exec cannot do: | & ; < > ( ) ` $ * ? [ a newline,
// a word starting with # or ~, a leading VAR=value, or a first word that
// only a shell knows (cd, exec, export, if, ...). `$` and ` also count
// inside double quotes, where the shell still expands them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spec {

struct SplitError {
  size_t column = 0;  // 1-based column in the line where the problem starts
  std::string message;
};

struct CommandLine {
  std::string line;                // the text as given
  std::vector<std::string> words;  // split words (quotes removed)
  bool needs_shell = false;

  // What to exec: the words, or {"/bin/sh", "-c", line}.
  std::vector<std::string> Argv() const;
  bool operator==(const CommandLine&) const = default;
};

struct SplitResult {
  CommandLine command;
  std::optional<SplitError> error;
};

SplitResult SplitCommandLine(std::string_view line);

}  // namespace spec
