// libFuzzer target: the three configuration parsers and the whole-config
// checks. The first byte picks the format. Any input must give services or
// errors with a place, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  spec::LoadContext ctx;
  ctx.env = [](const std::string&) -> std::optional<std::string> { return "v"; };
  ctx.read_file = [](const std::string&) -> std::optional<std::string> { return "A=1\nbad\n"; };
  ctx.passwd = "root:x:0:0::/root:/bin/sh\n";
  ctx.group = "root:x:0:\n";
  spec::Config config;
  std::vector<spec::Diagnostic> errors;
  switch (data[0] % 3) {
    case 0: spec::ParseToml(text, "f.toml", ctx, config, errors); break;
    case 1: spec::ParseProcfile(text, "Procfile", config, errors); break;
    case 2: spec::ParseCfeCsv(text, "p.csv", config, errors); break;
  }
  spec::CheckConfig(config, errors);
  for (const spec::Diagnostic& d : errors) {
    if (d.message.empty() || d.Format().empty()) abort();
  }
  if (config.services.size() != config.origins.size()) abort();
  return 0;
}
