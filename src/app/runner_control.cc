// Runner, continued: requests from tendctl over the control socket. Each is
// checked whole (every name must exist) before anything changes.
#include <algorithm>

#include "app/runner.h"
#include "base/signal_names.h"
#include "ctl/protocol.h"

namespace app {
namespace {

bool IsUp(const core::ServiceRuntime& s) {
  if (s.spec.type == spec::ServiceType::kOneshot) return s.completed;
  return s.state == core::State::kRunning || s.state == core::State::kAdopted;
}

std::string StateText(const core::ServiceRuntime& s) {
  if (s.fatal) return "fatal";
  if (s.Held() && s.state == core::State::kDown) return "stopped";
  if (s.spec.type == spec::ServiceType::kOneshot && s.completed &&
      s.state != core::State::kRunning) {
    return s.spec.schedule ? "scheduled" : "done";
  }
  return core::StateName(s.state);
}

const char* HealthText(const core::ServiceRuntime& s) {
  if (!s.spec.liveness) return "-";
  return core::ProbeStatusName(s.liveness.status);
}

}  // namespace

// Empty when service i is up, ready and live; else why not, in words.
std::string Runner::Unhealthy(size_t i) const {
  const core::ServiceRuntime& s = supervisor_.services()[i];
  if (supervisor_.Ready(i)) {
    if (s.liveness.status == core::ProbeStatus::kFailing) {
      return "liveness probe failing (" + s.liveness.detail + ")";
    }
    return "";
  }
  if (s.spec.type == spec::ServiceType::kOneshot) return "oneshot not done (" + StateText(s) + ")";
  if (!IsUp(s)) return StateText(s);
  if (s.readiness.status == core::ProbeStatus::kFailing) {
    return "not ready: readiness probe failing (" + s.readiness.detail + ")";
  }
  return "not ready";
}

// Which services `tendctl health` and /readyz judge: the named ones; else
// every one with `all`, or where none is critical; else the critical ones.
std::vector<size_t> Runner::HealthSet(const std::vector<size_t>& named, bool all) const {
  if (!named.empty()) return named;
  const auto& services = supervisor_.services();
  std::vector<size_t> critical, every;
  for (size_t i = 0; i < services.size(); ++i) {
    if (services[i].Retired()) continue;
    every.push_back(i);
    if (services[i].spec.critical) critical.push_back(i);
  }
  return all || critical.empty() ? every : critical;
}

std::string Runner::HealthReply(const std::vector<size_t>& which) const {
  std::string services;
  bool healthy = true;
  for (size_t i : which) {
    std::string why = Unhealthy(i);
    healthy = healthy && why.empty();
    services += services.empty() ? "{" : ",{";
    services += "\"name\":";
    ctl::AppendJson(services, supervisor_.services()[i].spec.name);
    services += ",\"ok\":" + std::string(why.empty() ? "true" : "false");
    if (!why.empty()) {
      services += ",\"why\":";
      ctl::AppendJson(services, why);
    }
    services += "}";
  }
  return "{\"v\":1,\"ok\":true,\"healthy\":" + std::string(healthy ? "true" : "false") +
         ",\"services\":[" + services + "]}\n";
}

void Runner::StartControl() {
  if (plan_.control.empty()) return;
  ctl::ServerConfig config;
  config.path = plan_.control;
  config.group = plan_.control_group;
  ctl::Host host;
  host.handle = [this](const ctl::Request& r) { return HandleControl(r); };
  host.not_ready = [this](const std::vector<std::string>& n, std::string* e) {
    return NotReady(n, e);
  };
  host.recent = [this](const std::string& name, int n) { return Recent(name, n); };
  host.log = [this](const std::string& text) { Log(core::LogLevel::kWarn, text); };
  control_ = std::make_unique<ctl::Server>(epoll_, config, host);
  if (auto st = control_->Listen(); !st) {
    // A read-only filesystem, say: tend runs on without tendctl.
    Log(core::LogLevel::kWarn, "control socket disabled: " + st.Err().Describe() +
                                   " (set --control or [tend] control_socket)");
    control_.reset();
    return;
  }
  output_->OnLine([this](size_t i) { return control_ && control_->Follows(Spec(i).name); },
                  [this](size_t i, const std::string& line) {
                    if (control_) control_->Broadcast(Spec(i).name, line);
                  });
}

std::optional<std::vector<size_t>> Runner::Resolve(const std::vector<std::string>& names,
                                                   std::string* error) const {
  const auto& services = supervisor_.services();
  std::vector<size_t> out;
  for (const std::string& name : names) {
    bool all = name == "all";
    bool found = false;
    for (size_t i = 0; i < services.size(); ++i) {
      if (services[i].Retired() || (!all && services[i].spec.name != name)) continue;
      found = true;
      if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
    }
    if (!found && !all) {
      *error = "unknown service '" + name + "'";
      return std::nullopt;
    }
  }
  return out;
}

std::string Runner::StatusReply(const std::vector<size_t>& which) const {
  std::string out = "{\"v\":1,\"ok\":true,\"services\":[";
  base::TimePoint now = os::Now();
  for (size_t k = 0; k < which.size(); ++k) {
    const core::ServiceRuntime& s = supervisor_.services()[which[k]];
    const ServiceIo* io = which[k] < io_.size() ? &io_[which[k]] : nullptr;
    out += k ? ",{" : "{";
    out += "\"name\":";
    ctl::AppendJson(out, s.spec.name);
    out += ",\"state\":\"" + StateText(s) + "\"";
    int pid = io && io->pid > 0 ? io->pid : (io && !io->daemons.empty() ? io->daemons[0].pid : 0);
    out += ",\"pid\":" + std::to_string(pid);
    out += ",\"pids\":[";
    if (io) {
      std::string pids;
      if (io->pid > 0) pids += std::to_string(io->pid);
      for (const Watched& w : io->daemons)
        pids += (pids.empty() ? "" : ",") + std::to_string(w.pid);
      out += pids;
    }
    out += "]";
    double up = IsUp(s) && s.spec.type != spec::ServiceType::kOneshot
                    ? std::chrono::duration<double>(now - s.started_at).count()
                    : 0;
    out += ",\"uptime\":" + std::to_string(up);
    out += ",\"restarts\":" + std::to_string(s.Restarts());
    out += ",\"last_exit\":";
    if (s.last_exit) {
      ctl::AppendJson(out, s.last_exit->Describe());
    } else {
      out += "null";
    }
    out += ",\"daemon\":" + std::string(s.state == core::State::kAdopted ? "true" : "false");
    out += ",\"ready\":" + std::string(supervisor_.Ready(which[k]) ? "true" : "false");
    out += ",\"health\":\"" + std::string(HealthText(s)) + "\"";
    if (!s.status_text.empty()) {
      out += ",\"status\":";
      ctl::AppendJson(out, s.status_text);
    }
    out += "}";
  }
  return out + "]}\n";
}

std::string Runner::HandleControl(const ctl::Request& r) {
  std::string error;
  std::vector<std::string> names = r.names;
  if (names.empty() && r.cmd != ctl::Command::kHealth) names.push_back("all");
  auto which = Resolve(names, &error);
  if (!which) return ctl::ErrorReply(error);
  if (r.cmd == ctl::Command::kHealth) return HealthReply(HealthSet(*which, r.all));
  using Op = core::Supervisor::ControlOp;
  auto apply = [&](Op op, int sig) {
    for (size_t i : *which) {
      for (const core::Action& a : supervisor_.Control(op, i, sig, os::Now())) Execute(a);
    }
  };
  switch (r.cmd) {
    case ctl::Command::kStatus: return StatusReply(*which);
    case ctl::Command::kStart: apply(Op::kStart, 0); break;
    case ctl::Command::kStop: apply(Op::kStop, 0); break;
    case ctl::Command::kRestart: apply(Op::kRestart, 0); break;
    case ctl::Command::kSignal: {
      int sig = base::SignalNumber(r.signal);
      if (sig == 0) return ctl::ErrorReply("unknown signal '" + r.signal + "'");
      apply(Op::kSignal, sig);
      break;
    }
    case ctl::Command::kReload:
      Reload();
      if (!reload_ok_) return ctl::ErrorReply("reload rejected: " + reload_error_);
      break;
    case ctl::Command::kShutdown:
      for (const core::Action& a : supervisor_.Control(Op::kShutdown, 0, 0, os::Now())) Execute(a);
      break;
    default: return ctl::ErrorReply("not handled here");
  }
  ProcessEvents();
  return "{\"v\":1,\"ok\":true}\n";
}

std::string Runner::NotReady(const std::vector<std::string>& names, std::string* error) const {
  auto which = Resolve(names, error);
  if (!which) return "";
  std::string missing;
  for (size_t i : *which) {
    const core::ServiceRuntime& s = supervisor_.services()[i];
    if (!supervisor_.Ready(i)) missing += (missing.empty() ? "" : ", ") + s.spec.name;
  }
  return missing;
}

std::optional<std::vector<std::string>> Runner::Recent(const std::string& name, int n) const {
  const auto& services = supervisor_.services();
  for (size_t i = 0; i < services.size(); ++i) {
    if (!services[i].Retired() && services[i].spec.name == name) {
      return output_->Recent(i, static_cast<size_t>(n));
    }
  }
  return std::nullopt;
}

}  // namespace app
