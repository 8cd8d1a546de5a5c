// Plan: the services and settings tend runs, merged from every source in
// order: config files (--config, or /etc/tend/tend.toml and conf.d/*.toml),
// --procfile, --cfe-csv, then the command arguments. Flags and TEND_*
// variables win over [tend] settings. Reading is the only effect here;
// parsing and checking are spec/'s.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/options.h"
#include "core/supervisor.h"

namespace app {

struct Plan {
  std::vector<spec::ServiceSpec> services;
  base::Duration grace = base::seconds(8);
  base::Duration scan_interval = base::seconds(5);
  // How long a lineage shim watches a command (os/lineage.h); zero: none.
  base::Duration lineage_window = base::seconds(10);
  spec::LogFormat log_format = spec::LogFormat::kPlain;
  bool timestamps = false;
  std::string control = "/run/tend.sock";  // "" for none
  // Set by --control, TEND_CONTROL or control_socket: a path that fails is
  // an error, where the default falls back to an abstract socket.
  bool control_explicit = false;
  std::optional<gid_t> control_group;
  std::string http_listen;  // "" for none
  // The syslog socket; unset: /dev/log when tend is PID 1 (SyslogPath).
  std::optional<std::string> syslog;
  bool operator==(const Plan&) const = default;
};

struct PlanResult {
  Plan plan;
  std::vector<spec::Diagnostic> errors;  // all of them; empty when the plan is good
};

inline constexpr const char* kDefaultConfig = "/etc/tend/tend.toml";
inline constexpr const char* kDefaultConfigDir = "/etc/tend/conf.d";

// Where tend receives syslog messages: the path set, else /dev/log when
// tend is PID 1 (the container's init, so nobody else has it); "" for none.
std::string SyslogPath(const Plan& plan, int self_pid);

PlanResult LoadPlan(const spec::Options& options, const spec::EnvLookup& env);

// The Supervisor's settings for this plan. SIGHUP re-reads configuration
// files; with none (services given as arguments), it is forwarded.
core::Settings SupervisorSettings(const Plan& plan, const spec::Options& options);

// The resolved services, one block each, for `tend --check`.
std::string DescribePlan(const Plan& plan);

}  // namespace app
