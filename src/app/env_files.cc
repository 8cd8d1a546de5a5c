#include "app/env_files.h"

#include "config/config_bounds.h"
#include "config/env_file.h"
#include "os/files.h"

namespace app {

std::optional<core::Event> EnvFiles::Load(size_t i, const spec::ServiceSpec& spec) {
  if (vars_.size() <= i) vars_.resize(i + 1);
  vars_[i].clear();
  if (spec.env_file.empty()) return std::nullopt;
  base::Result<std::vector<std::string>> vars = Read(spec.env_file);
  if (!vars) return core::Event::ExecFailed(i, core::ExitStatus::Code(126), vars.Err().Describe());
  vars_[i] = std::move(*vars);
  return std::nullopt;
}

base::Result<std::vector<std::string>> EnvFiles::Read(const std::string& path) {
  base::Result<std::string> text = os::ReadRegularFile(path, spec::kMaxConfigBytes);
  if (!text) {
    return base::Error{"env_file " + path + " cannot be read (" + text.Err().Describe() + ")"};
  }
  if (std::optional<spec::Diagnostic> bound = spec::CheckText(*text, path)) {
    return base::Error{"env_file " + bound->Format()};
  }
  spec::EnvFileVars parsed = spec::ParseEnvFile(*text);
  if (!parsed.errors.empty()) {
    const spec::EnvFileError& e = parsed.errors.front();
    return base::Error{"env_file " + path + ":" + std::to_string(e.line) + ": " + e.message};
  }
  return std::move(parsed.vars);
}

const std::vector<std::string>& EnvFiles::Of(size_t i) const {
  static const std::vector<std::string> kNone;
  return i < vars_.size() ? vars_[i] : kNone;
}

void EnvFiles::Forget(size_t i) {
  if (i < vars_.size()) vars_[i] = {};
}

}  // namespace app
