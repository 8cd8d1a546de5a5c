// ServiceSpec: everything tend needs to know to run one service, resolved
// from the command line (and, later, config files) before anything starts.
#pragma once

#include <string>
#include <vector>

#include "spec/command_line.h"

namespace spec {

enum class RestartPolicy { kAlways, kOnFailure, kNever };

const char* RestartPolicyName(RestartPolicy policy);

// How tend recognises the processes of a daemonizing service in the process
// table (CFEngine's process promise, done without polling).
struct MatchRule {
  enum class Kind {
    kName,     // process name (comm) or basename of argv[0] equals `pattern`
    kRegex,    // ECMAScript regex searched in the whole command line
    kPidfile,  // the pid written in the file at `pattern`
  };
  Kind kind = Kind::kName;
  std::string pattern;

  std::string Describe() const;  // "name 'apache2'", for log lines
};

// Whether a command that exits 0 may have left a daemon behind.
enum class DaemonMode {
  kAuto,  // look for one when the command left processes behind
  kYes,   // always expect one
  kNo,    // never: a foreground service, whatever it leaves
};

struct ServiceSpec {
  std::string name;
  CommandLine command;
  RestartPolicy restart = RestartPolicy::kAlways;
  int stop_signal = 15;  // SIGTERM
  MatchRule match;       // default: the executable's basename
  DaemonMode daemon = DaemonMode::kAuto;
};

}  // namespace spec
