#include "config/instances.h"

#include <map>

namespace spec {
namespace {

// The first two instances that give `key` the same value, as an error;
// `value` is empty where the key is not used.
template <typename Value>
std::optional<std::string> Shared(const std::vector<ServiceSpec>& instances, const char* key,
                                  Value value, const char* example) {
  std::map<std::string, const ServiceSpec*> first;
  for (const ServiceSpec& s : instances) {
    std::string v = value(s);
    if (v.empty()) continue;
    auto [it, fresh] = first.emplace(v, &s);
    if (fresh) continue;
    return "'" + std::string(key) + "' is " + v + " for both " + it->second->name + " and " +
           s.name + " (instances = " + std::to_string(instances.size()) +
           "): put {instance} in it, like " + example;
  }
  return std::nullopt;
}

std::string FilePath(const OutputSpec& o) {
  return o.mode == OutputSpec::Mode::kFile ? o.path : std::string();
}

}  // namespace

std::string InstanceName(const std::string& group, int instance, int count) {
  return count == 1 ? group : group + "-" + std::to_string(instance);
}

std::string SubstituteInstance(std::string_view text, int instance) {
  std::string out;
  std::string number = std::to_string(instance);
  for (size_t at = text.find(kInstanceToken); at != std::string_view::npos;
       at = text.find(kInstanceToken)) {
    out.append(text.substr(0, at)).append(number);
    text.remove_prefix(at + kInstanceToken.size());
  }
  return out.append(text);
}

std::optional<std::string> InstanceNamesTooLong(const std::string& group, int count) {
  std::string last = InstanceName(group, count, count);
  if (last.size() <= kMaxNameBytes) return std::nullopt;
  return "service name '" + group + "' with instances = " + std::to_string(count) +
         " makes names like '" + last + "' of " + std::to_string(last.size()) +
         " bytes, more than the limit of " + std::to_string(kMaxNameBytes) + ": shorten it";
}

namespace {

// About what a spec's strings cost: its command lines and environment.
size_t Bytes(const ServiceSpec& s) {
  size_t n = 0;
  auto add = [&n](const std::vector<std::string>& list) {
    for (const std::string& x : list) n += x.size();
  };
  add(s.command.words);
  add(s.env);
  add(s.depends_on);
  n += s.command.line.size();
  if (s.stop_command) n += s.stop_command->line.size() * 2;
  return n;
}

}  // namespace

std::optional<std::string> Tally(InstanceTally& tally, const ServiceSpec& first, int count) {
  std::string each = std::to_string(Bytes(first));
  size_t bytes = Bytes(first) * static_cast<size_t>(count);
  if (tally.count + count > kMaxAllInstances) {
    return "instances = " + std::to_string(count) + " makes " +
           std::to_string(tally.count + count) +
           " instances in all (every service's together), more than the limit of " +
           std::to_string(kMaxAllInstances) + ": run fewer";
  }
  if (tally.bytes + bytes > kMaxInstancesBytes) {
    return "instances = " + std::to_string(count) + " copies of its " + each +
           " bytes of command lines and environment make " +
           std::to_string((tally.bytes + bytes) >> 20) +
           " MiB in all instances (every service's together), more than the limit of " +
           std::to_string(kMaxInstancesBytes >> 20) +
           " MiB: run fewer, or shorten the command, env or env_file";
  }
  tally.count += count;
  tally.bytes += bytes;
  return std::nullopt;
}

std::vector<std::string> CheckInstances(const std::vector<ServiceSpec>& instances) {
  std::vector<std::string> out;
  // Two writers rotating one file would rename it under each other.
  auto out_file = Shared(
      instances, "stdout.file", [](const ServiceSpec& s) { return FilePath(s.out); },
      "\"/var/log/app-{instance}.log\"");
  auto err_file = Shared(
      instances, "stderr.file", [](const ServiceSpec& s) { return FilePath(s.err); },
      "\"/var/log/app-{instance}.err\"");
  // One pid names one daemon: every instance would adopt the same one.
  auto pidfile = Shared(
      instances, "pidfile",
      [](const ServiceSpec& s) {
        return s.match.kind == MatchRule::Kind::kPidfile ? s.match.pattern : std::string();
      },
      "\"/run/app-{instance}.pid\"");
  for (auto* e : {&out_file, &err_file, &pidfile}) {
    if (*e) out.push_back(**e);
  }
  return out;
}

}  // namespace spec
