// Config: services and global settings read from tend.toml files, Procfiles
// and cfe-docker's processes_run.csv, checked as a whole. Parsing is pure:
// the caller hands in file contents, the environment and /etc/passwd and
// /etc/group, and gets back either a Config or every error found, each
// with file, line and column, what was expected, and a suggestion.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "config/instances.h"
#include "config/service_spec.h"

namespace spec {

struct Diagnostic {
  std::string file;
  int line = 0, column = 0;  // 0: not tied to a place in the file
  std::string message;
  std::string Format() const;  // "tend.toml:12:5: unknown key 'restrat' (...)"
};

enum class LogFormat { kPlain, kJson };

struct GlobalSettings {
  std::optional<base::Duration> grace;
  std::optional<RestartPolicy> restart;  // default for services that set none
  std::optional<base::Duration> scan_interval;
  LogFormat log_format = LogFormat::kPlain;
  bool timestamps = false;
  std::optional<std::string> control_socket;  // "" disables it
  std::optional<gid_t> control_group;
  std::optional<std::string> http_listen;  // "" disables it
  std::optional<std::string> syslog;       // the /dev/log socket's path; "" disables it
  bool operator==(const GlobalSettings&) const = default;
};

struct Origin {
  std::string file;
  int line = 0, column = 0;
  bool restart_set = false;  // the service chose its restart policy itself
};

struct Config {
  GlobalSettings global;
  std::vector<ServiceSpec> services;
  std::vector<Origin> origins;  // where each service was defined
  InstanceTally instances;      // what `instances` made so far, bounded
};

struct LoadContext {
  std::function<std::optional<std::string>(const std::string&)> env;
  std::function<std::optional<std::string>(const std::string& path)> read_file;
  // Whether `path` is a directory: output files must go into one, or all
  // their lines would be lost. Unset: not checked.
  std::function<bool(const std::string& path)> is_dir;
  std::string passwd;  // contents of /etc/passwd
  std::string group;   // contents of /etc/group
};

// Each parser appends services (and, for TOML, settings) to `config`.
void ParseToml(std::string_view text, const std::string& file, const LoadContext& ctx,
               Config& config, std::vector<Diagnostic>& errors);
void ParseProcfile(std::string_view text, const std::string& file, Config& config,
                   std::vector<Diagnostic>& errors);
void ParseCfeCsv(std::string_view text, const std::string& file, Config& config,
                 std::vector<Diagnostic>& errors);

// Whole-config checks once every source is in: duplicate names, unknown or
// cyclic dependencies, settings that contradict each other.
void CheckConfig(Config& config, std::vector<Diagnostic>& errors);

// The keys each table accepts, for docs and their test.
const std::vector<std::string>& ServiceKeys();
const std::vector<std::string>& GlobalKeys();

// Parses "250ms", "2s", "1.5m", "1h" or a bare number of seconds.
std::optional<base::Duration> ParseDuration(std::string_view text);
// Parses "10M", "512K", "1G" or a bare number of bytes.
std::optional<uint64_t> ParseSize(std::string_view text);

// The closest of `candidates` to `word`, when close enough to be a typo.
std::optional<std::string> Suggest(std::string_view word,
                                   const std::vector<std::string>& candidates);

}  // namespace spec
