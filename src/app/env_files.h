// EnvFiles: each service's env_file, read again at each start of its main
// process (so a oneshot it depends on can write it first), and kept for
// that run: its stop command and exec probes see what it saw. Parsing is
// spec::ParseEnvFile's; reading the file is the only effect here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/service_spec.h"
#include "core/event.h"

namespace app {

class EnvFiles {
 public:
  // Reads service i's env_file for a new start. When the file cannot be
  // read, is too big or has a bad line, the start fails as an exec can
  // (status 126, the reason logged, the restart policy applies): a
  // service started without variables it was promised would run
  // misconfigured. Returns that failure's event, or nullopt.
  std::optional<core::Event> Load(size_t i, const spec::ServiceSpec& spec);
  // The "KEY=value" variables of service i's current run.
  const std::vector<std::string>& Of(size_t i) const;
  void Forget(size_t i);

 private:
  static base::Result<std::vector<std::string>> Read(const std::string& path);

  std::vector<std::vector<std::string>> vars_;
};

}  // namespace app
