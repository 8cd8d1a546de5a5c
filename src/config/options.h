// Options: tend's command line and TEND_* environment, parsed and checked as
// a whole before anything starts. Every bad input yields one error line that
// names the argument; the caller prints it and exits 2.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "config/service_spec.h"

namespace spec {

enum class Verbosity { kQuiet, kNormal, kVerbose };

struct Options {
  bool help = false;
  bool version = false;
  base::Duration grace = base::seconds(8);  // inside docker stop's 10 s
  RestartPolicy restart = RestartPolicy::kAlways;
  bool prefix = true;
  // How often adopted daemons are looked for again where pidfds are missing.
  base::Duration scan_interval = base::seconds(5);
  // How long a lineage shim watches each command (os/lineage.h); zero: off.
  base::Duration lineage_window = base::seconds(10);
  Verbosity verbosity = Verbosity::kNormal;
  std::vector<ServiceSpec> services;  // from COMMAND arguments

  std::string config;                      // --config FILE (TOML)
  std::string procfile;                    // --procfile FILE
  std::string cfe_csv;                     // --cfe-csv FILE
  std::string control = "/run/tend.sock";  // --control PATH; "" disables
  std::string http_listen;                 // --http-listen [HOST:]PORT; "" is off
  std::optional<std::string> syslog;       // --syslog PATH; "" is off; unset: /dev/log as PID 1
  bool check = false;                      // --check: validate, print, run nothing
  std::vector<std::string> check_files;    // with --check: the files given
  // --critical NAME (repeatable) or TEND_CRITICAL: services that end the
  // container when they end; `critical_from` names the option for errors.
  std::vector<std::string> critical;
  std::string critical_from;
  std::set<std::string> given;  // options set by flag or TEND_*: these win over files
};

struct OptionsResult {
  Options options;
  std::optional<std::string> error;  // one line, no trailing newline
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// args excludes argv[0]. env reads TEND_* variables; command-line options win.
OptionsResult ParseOptions(const std::vector<std::string>& args, const EnvLookup& env);

std::string UsageText();

}  // namespace spec
