#include "config/service_spec.h"

#include <algorithm>

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

namespace spec {

const char* ProbeKindName(ProbeSpec::Kind kind) {
  switch (kind) {
    case ProbeSpec::Kind::kExec: return "exec";
    case ProbeSpec::Kind::kTcp: return "tcp";
    case ProbeSpec::Kind::kHttp: return "http";
  }
  return "?";
}

std::string ProbeSpec::Describe() const {
  return std::string(ProbeKindName(kind)) + " " + (kind == Kind::kExec ? command.line : target);
}

bool ServiceSpec::DependsOn(const ServiceSpec& other) const {
  return std::any_of(depends_on.begin(), depends_on.end(),
                     [&](const std::string& dep) { return other.IsCalled(dep); });
}

}  // namespace spec
