// ServiceView: what a service is, as `tendctl status`, `tendctl health`,
// /readyz and /metrics show it. One read model computed from the
// Supervisor's state, so that "is it up", "is it ready", "is it healthy and
// why not" and the name of its state are decided once, in service_view.cc,
// and every reader agrees. Pure: the time is passed in, and so are the pids
// of adopted daemons, which only the event loop watches. Everything a view
// needs from a ServiceRuntime is read in service_view.cc, nowhere else.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "core/supervisor.h"

namespace core {

struct ServiceView {
  size_t index = 0;  // its slot in Supervisor::services()
  std::string name;
  std::string group;  // an instance's group (`instances = N`); empty for a service on its own
  int instance = 0;   // an instance's number, 1..N; 0 for a service on its own
  // A State's name, or `stopped` (down on request), `fatal` (crash-loop
  // limit, or a dependency that never got ready), `done` (a oneshot that
  // completed), `scheduled` (a scheduled oneshot between runs).
  std::string state;
  bool up = false;       // its command's process, or an adopted daemon, runs
  bool daemon = false;   // what runs is an adopted daemon
  bool ready = false;    // Supervisor::Ready: up and ready; a oneshot: completed
  bool healthy = false;  // ready, and its liveness probe is not failing
  std::string why;       // when not healthy: why not, in words
  // The liveness probe's verdict: "passing", "failing", "unknown" before
  // the first one, "-" without a probe. `live` is the same verdict as a
  // value: nullopt without a probe or before the first verdict.
  std::string health;
  std::optional<bool> live;
  bool critical = false;
  int restarts = 0;
  int pid = 0;  // its main process, else its first adopted daemon process; 0: none
  // Its main process and every adopted daemon process; with their
  // descendants too where app::ServiceViews::AddDescendants ran (status, metrics).
  std::vector<int> pids;
  std::optional<std::string> last_exit;    // "exited with status 1"; nullopt before the first exit
  std::optional<int> last_exit_code;       // the same as a code: 128+N for signal N
  std::string status;                      // its last sd_notify STATUS=; empty when none
  std::vector<std::string> sockets;        // its `listen` addresses, in fd order from 3
  std::optional<base::TimePoint> started;  // while up: when its current process started
  base::Duration uptime{};                 // while up: how long since; else zero
};

// The adopted daemon processes of service i, as the event loop watches them.
using DaemonPids = std::function<std::vector<int>(size_t i)>;

// Whether service i is shown at all (and can be named): not removed by a
// reload or replaced, nor a new instance of it still starting (start-first).
bool Listed(const Supervisor& sup, size_t i);

// Each slot's service name, indexed like the slots; empty for a removed
// one, so that it no longer widens the name column or matches a tag. A new
// instance still starting (start-first) has its service's name.
std::vector<std::string> SlotNames(const Supervisor& sup);

ServiceView ViewOf(const Supervisor& sup, size_t i, base::TimePoint now,
                   std::vector<int> daemon_pids = {});

// Every listed service, in slot order.
std::vector<ServiceView> Views(const Supervisor& sup, base::TimePoint now,
                               const DaemonPids& daemon_pids = nullptr);

// What `tendctl health` and /readyz judge when no service is named: the
// critical services; every one with `all`, or when none is critical.
std::vector<ServiceView> Judged(std::vector<ServiceView> views, bool all);

}  // namespace core
