// libFuzzer target: tend's argument parser. The input is split on NUL bytes
// into arguments; the first may set TEND_* values. Bad input must give an
// error line, never a crash or a half-built result.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "config/options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.emplace_back();
    } else {
      args.back() += static_cast<char>(data[i]);
    }
  }
  std::string env_grace = args.front();
  args.erase(args.begin());
  auto env = [&](const std::string& k) -> std::optional<std::string> {
    if (k == "TEND_GRACE" && !env_grace.empty()) return env_grace;
    return std::nullopt;
  };
  spec::OptionsResult r = spec::ParseOptions(args, env);
  if (r.error) {
    if (r.error->empty() || r.error->find('\n') != std::string::npos) abort();
    return 0;
  }
  if (r.options.help || r.options.version || r.options.check) return 0;
  for (const auto& s : r.options.services) {
    if (s.name.empty() || s.command.words.empty()) abort();
  }
  return 0;
}
