// Instances: `instances = N` runs N copies of one service. Each copy is a
// service of its own, NAME-1 ... NAME-N (the naming of repeated commands,
// naming.h), so core starts, restarts, reloads and stops each by its name
// like any other; ServiceSpec::group keeps the name they share, which
// tendctl and depends_on accept for all of them. The one copy of
// `instances = 1` keeps NAME. The TOML parser reads the service's table
// once per instance with `{instance}` in its strings replaced, so every
// check runs on what each instance really gets. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/service_spec.h"

namespace spec {

// A bound like config_bounds.h's: each instance costs tend a handful of
// fds and a slot; a thousand is far past any one container's needs.
inline constexpr int kMaxInstances = 1000;
// Every service's instances together: without a bound on the sum, a 1 MiB
// file of short tables each with `instances = 1000` would be millions of
// services in PID 1, and each instance holds its own copy of its strings
// (a 1 MiB env_file a thousand times over is a GiB).
inline constexpr int kMaxAllInstances = 4096;
inline constexpr size_t kMaxInstancesBytes = size_t{16} << 20;

// What the instances read so far hold, every file and service together.
struct InstanceTally {
  int count = 0;
  size_t bytes = 0;  // their command lines and environment
};
inline constexpr std::string_view kInstanceToken = "{instance}";
// Set in each instance's environment to its number.
inline constexpr const char* kInstanceVariable = "TEND_INSTANCE";

// "worker", 2, 3 -> "worker-2"; "worker", 1, 1 -> "worker".
std::string InstanceName(const std::string& group, int instance, int count);

// Every "{instance}" in `text` replaced by the instance's number.
std::string SubstituteInstance(std::string_view text, int instance);

// The error when NAME-N would cross kMaxNameBytes; nullopt when it fits.
std::optional<std::string> InstanceNamesTooLong(const std::string& group, int count);

// Adds `count` copies of `first` (instance 1 of a group) to `tally`; or,
// when they would take it past kMaxAllInstances or kMaxInstancesBytes,
// leaves it and returns the error.
std::optional<std::string> Tally(InstanceTally& tally, const ServiceSpec& first, int count);

// What must differ between the instances of one group and does not (a log
// file or a pidfile every instance would share), each as a sentence that
// names the key and the fix. `instances` are the group's specs, in order.
std::vector<std::string> CheckInstances(const std::vector<ServiceSpec>& instances);

}  // namespace spec
