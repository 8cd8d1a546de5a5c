#include "spec/service_spec.h"

namespace spec {

const char* RestartPolicyName(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::kAlways: return "always";
    case RestartPolicy::kOnFailure: return "on-failure";
    case RestartPolicy::kNever: return "never";
  }
  return "?";
}

DaemonMode DefaultDaemonMode(const MatchRule& match) {
  if (match.kind != MatchRule::Kind::kName) return DaemonMode::kAuto;
  for (const char* shell : {"sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"}) {
    if (match.pattern == shell) return DaemonMode::kNo;
  }
  return DaemonMode::kAuto;
}

std::string MatchRule::Describe() const {
  switch (kind) {
    case Kind::kName: return "named '" + pattern + "'";
    case Kind::kRegex: return "matching regex '" + pattern + "'";
    case Kind::kPidfile: return "with the pid in " + pattern;
  }
  return pattern;
}

}  // namespace spec
