#include "core/service_view.h"

#include <algorithm>

namespace core {
namespace {

bool IsOneshot(const ServiceRuntime& s) { return s.spec.type == spec::ServiceType::kOneshot; }

std::string StateText(const ServiceRuntime& s) {
  if (s.fatal) return "fatal";
  if (s.Held() && s.state == State::kDown) return "stopped";
  if (IsOneshot(s) && s.completed && s.state != State::kRunning) {
    return s.spec.schedule ? "scheduled" : "done";
  }
  return StateName(s.state);
}

// Up: its command's process or an adopted daemon runs, whatever its type
// (a oneshot that runs is up; one that completed is done, not up). Settling
// is not up: its command ended and no daemon is known yet; stopping is not
// either: it is on its way down.
bool IsUp(const ServiceRuntime& s) {
  return s.state == State::kRunning || s.state == State::kAdopted;
}

// The liveness verdict, nullopt without a probe.
std::optional<ProbeStatus> Liveness(const ServiceRuntime& s) {
  if (!s.spec.liveness) return std::nullopt;
  return s.liveness.status;
}

// Empty when healthy: ready and not failing its liveness probe.
std::string WhyNot(const ServiceRuntime& s, const ServiceView& v) {
  // Stopped by tend for its health: the reason, not just "stopping".
  if (s.state == State::kStopping && Liveness(s) == ProbeStatus::kFailing) {
    return "liveness probe failing (" + s.liveness.detail + ")";
  }
  if (v.ready) {
    if (Liveness(s) == ProbeStatus::kFailing) {
      return "liveness probe failing (" + s.liveness.detail + ")";
    }
    return "";
  }
  if (IsOneshot(s)) return "oneshot not done (" + v.state + ")";
  if (!v.up) return v.state;
  if (s.spec.readiness && s.readiness.status == ProbeStatus::kFailing) {
    return "not ready: readiness probe failing (" + s.readiness.detail + ")";
  }
  return "not ready";
}

void Processes(const ServiceRuntime& s, std::vector<int> daemon_pids, ServiceView& v) {
  v.pids = std::move(daemon_pids);
  if (s.pid > 0) v.pids.insert(v.pids.begin(), s.pid);
  v.pid = v.pids.empty() ? 0 : v.pids.front();
  v.daemon = s.state == State::kAdopted;
}

}  // namespace

std::vector<std::string> SlotNames(const Supervisor& sup) {
  std::vector<std::string> names;
  for (const ServiceRuntime& s : sup.services()) {
    names.push_back(s.Retired() ? std::string() : s.spec.name);
  }
  return names;
}

bool Listed(const Supervisor& sup, size_t i) { return sup.services()[i].Canonical(); }

ServiceView ViewOf(const Supervisor& sup, size_t i, base::TimePoint now,
                   std::vector<int> daemon_pids) {
  const ServiceRuntime& s = sup.services()[i];
  ServiceView v;
  v.index = i;
  v.name = s.spec.name;
  v.group = s.spec.group;
  v.instance = s.spec.instance;
  v.state = StateText(s);
  v.up = IsUp(s);
  v.ready = sup.Ready(i);
  v.why = WhyNot(s, v);
  v.healthy = v.why.empty();
  std::optional<ProbeStatus> live = Liveness(s);
  v.health = live ? ProbeStatusName(*live) : "-";
  if (live && *live != ProbeStatus::kUnknown) v.live = *live == ProbeStatus::kPassing;
  v.critical = s.spec.critical;
  v.restarts = s.Restarts();
  Processes(s, std::move(daemon_pids), v);
  if (s.last_exit) {
    v.last_exit = s.last_exit->Describe();
    v.last_exit_code = s.last_exit->AsExitCode();
  }
  v.status = s.status_text;
  for (const spec::SocketSpec& socket : s.spec.listen) v.sockets.push_back(socket.Address());
  if (v.up) {
    v.started = s.started_at;
    v.uptime = now - s.started_at;
  }
  return v;
}

std::vector<ServiceView> Views(const Supervisor& sup, base::TimePoint now,
                               const DaemonPids& daemon_pids) {
  std::vector<ServiceView> out;
  for (size_t i = 0; i < sup.services().size(); ++i) {
    if (!Listed(sup, i)) continue;
    out.push_back(ViewOf(sup, i, now, daemon_pids ? daemon_pids(i) : std::vector<int>()));
  }
  return out;
}

std::vector<ServiceView> Judged(std::vector<ServiceView> views, bool all) {
  if (all) return views;
  std::vector<ServiceView> critical;
  std::copy_if(views.begin(), views.end(), std::back_inserter(critical),
               [](const ServiceView& v) { return v.critical; });
  return critical.empty() ? views : critical;
}

}  // namespace core
