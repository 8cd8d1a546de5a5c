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

std::string MatchRule::Describe() const {
  switch (kind) {
    case Kind::kName: return "named '" + pattern + "'";
    case Kind::kRegex: return "matching regex '" + pattern + "'";
    case Kind::kPidfile: return "with the pid in " + pattern;
  }
  return pattern;
}

}  // namespace spec
