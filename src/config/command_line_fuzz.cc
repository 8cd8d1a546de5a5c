// libFuzzer target: the command-line splitter must never crash, and what it
// accepts must split into at least one word and a consistent argv.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/command_line.h"
#include "config/naming.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  spec::SplitResult r = spec::SplitCommandLine(line);
  if (r.error) {
    if (r.error->column < 1 || r.error->column > size + 1 || r.error->message.empty()) abort();
    return 0;
  }
  if (r.command.words.empty()) abort();
  std::vector<std::string> argv = r.command.Argv();
  if (argv.empty() || (r.command.needs_shell && argv.size() != 3)) abort();
  if (spec::NameFor(r.command).empty()) abort();
  return 0;
}
