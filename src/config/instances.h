// Instances: `instances = N` runs N copies of one service. Each copy is a
// service of its own, NAME-1 ... NAME-N (the naming of repeated commands,
// naming.h), so core starts, restarts, reloads and stops each by its name
// like any other; ServiceSpec::group keeps the name they share, which
// tendctl and depends_on accept for all of them. The one copy of
// `instances = 1` keeps NAME. The TOML parser reads the service's table
// once per instance with `{instance}` in its strings replaced, so every
// check runs on what each instance really gets. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/service_spec.h"

namespace spec {

// A bound like config_bounds.h's: each instance costs tend a handful of
// fds and a slot; a thousand is far past any one container's needs.
inline constexpr int kMaxInstances = 1000;
inline constexpr std::string_view kInstanceToken = "{instance}";
// Set in each instance's environment to its number.
inline constexpr const char* kInstanceVariable = "TEND_INSTANCE";

// "worker", 2, 3 -> "worker-2"; "worker", 1, 1 -> "worker".
std::string InstanceName(const std::string& group, int instance, int count);

// Every "{instance}" in `text` replaced by the instance's number.
std::string SubstituteInstance(std::string_view text, int instance);

// The error when NAME-N would cross kMaxNameBytes; nullopt when it fits.
std::optional<std::string> InstanceNamesTooLong(const std::string& group, int count);

// What must differ between the instances of one group and does not (a log
// file or a pidfile every instance would share), each as a sentence that
// names the key and the fix. `instances` are the group's specs, in order.
std::vector<std::string> CheckInstances(const std::vector<ServiceSpec>& instances);

}  // namespace spec
