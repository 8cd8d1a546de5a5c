// ServiceSpec: everything tend needs to know to run one service, resolved
// from the command line (and, later, config files) before anything starts.
#pragma once

#include <string>
#include <vector>

#include "spec/command_line.h"

namespace spec {

enum class RestartPolicy { kAlways, kOnFailure, kNever };

const char* RestartPolicyName(RestartPolicy policy);

struct ServiceSpec {
  std::string name;
  CommandLine command;
  RestartPolicy restart = RestartPolicy::kAlways;
  int stop_signal = 15;  // SIGTERM
};

}  // namespace spec
