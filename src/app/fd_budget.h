// FdBudget: how many file descriptors tend holds per service, and whether
// a set of services fits under RLIMIT_NOFILE. Checked before a start and
// before a reload is applied, so that running out of fds is a clear error
// up front instead of services looping in backoff on EMFILE.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "config/service_spec.h"
#include "core/supervisor.h"

namespace app {

// What tend holds while a service runs: both ends of each output pipe
// (kept across restarts), a file for file outputs, its pidfd, and s6's
// notification pipe, its listen sockets (held across restarts) and, for an
// sd_notify service, its fd store's bound. docs/tend.md lists the same.
size_t FdsFor(const spec::ServiceSpec& spec);

// The services of `next` to count: all, or with `only_new` those not
// running under their name in `running` (the others hold theirs already).
std::vector<const spec::ServiceSpec*> ServicesToCount(
    const std::vector<spec::ServiceSpec>& next, const std::vector<core::ServiceRuntime>& running,
    bool only_new);

// Kept free for everything else: a spawn's error pipe, probes, control
// and HTTP clients, reading the configuration again.
constexpr size_t kFdReserve = 32;

// An error naming the numbers and the fix when `services` need more fds
// than `limit` leaves free above `open`; nullopt when they fit.
std::optional<std::string> CheckFdBudget(const std::vector<const spec::ServiceSpec*>& services,
                                         size_t open, size_t limit);

// Whether the services of `next` fit in the fds tend has left now; with
// `only_new`, just those not `running` yet (the others hold theirs).
std::optional<std::string> FdShortage(const std::vector<core::ServiceRuntime>& running,
                                      const std::vector<spec::ServiceSpec>& next, bool only_new);

}  // namespace app
