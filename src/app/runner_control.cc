// Runner, continued: requests from tendctl over the control socket. Each is
// checked whole (every name must exist) before anything changes.
#include <algorithm>

#include "app/runner.h"
#include "base/signal_names.h"
#include "ctl/protocol.h"

namespace app {

// Views of the services with the daemon pids only the runner knows.
core::ServiceView Runner::ViewOf(size_t i, base::TimePoint now) const {
  return core::ViewOf(supervisor_, i, now, DaemonPids(i));
}

std::vector<core::ServiceView> Runner::Views(base::TimePoint now) const {
  return core::Views(supervisor_, now, [this](size_t i) { return DaemonPids(i); });
}

std::vector<int> Runner::DaemonPids(size_t i) const { return daemons_->Pids(i); }

// What `tendctl health` and /readyz judge: the named services, else
// core::Judged's choice.
std::vector<core::ServiceView> Runner::HealthSet(const std::vector<size_t>& named, bool all) const {
  base::TimePoint now = os::Now();
  if (named.empty()) return core::Judged(Views(now), all);
  std::vector<core::ServiceView> out;
  for (size_t i : named) out.push_back(ViewOf(i, now));
  return out;
}

std::string Runner::HealthReply(const std::vector<core::ServiceView>& judged) {
  std::string services;
  bool healthy = true;
  for (const core::ServiceView& v : judged) {
    healthy = healthy && v.healthy;
    services += services.empty() ? "{" : ",{";
    services += "\"name\":";
    ctl::AppendJson(services, v.name);
    services += ",\"ok\":" + std::string(v.healthy ? "true" : "false");
    if (!v.healthy) {
      services += ",\"why\":";
      ctl::AppendJson(services, v.why);
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
  host.forgot = [this](const std::string& name) {
    const auto& services = supervisor_.services();
    for (size_t i = 0; i < services.size(); ++i) {
      if (!services[i].retired && services[i].spec.name == name) return output_->Forgot(i);
    }
    return false;
  };
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
      if (!core::Listed(supervisor_, i) || (!all && services[i].spec.name != name)) continue;
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
    core::ServiceView v = ViewOf(which[k], now);
    out += k ? ",{" : "{";
    out += "\"name\":";
    ctl::AppendJson(out, v.name);
    out += ",\"state\":\"" + v.state + "\"";
    out += ",\"pid\":" + std::to_string(v.pid);
    out += ",\"pids\":[";
    for (size_t p = 0; p < v.pids.size(); ++p) {
      out += (p ? "," : "") + std::to_string(v.pids[p]);
    }
    out += "]";
    out += ",\"uptime\":" + std::to_string(std::chrono::duration<double>(v.uptime).count());
    out += ",\"restarts\":" + std::to_string(v.restarts);
    out += ",\"last_exit\":";
    if (v.last_exit) {
      ctl::AppendJson(out, *v.last_exit);
    } else {
      out += "null";
    }
    out += ",\"daemon\":" + std::string(v.daemon ? "true" : "false");
    out += ",\"ready\":" + std::string(v.ready ? "true" : "false");
    out += ",\"health\":\"" + v.health + "\"";
    if (!v.status.empty()) {
      out += ",\"status\":";
      ctl::AppendJson(out, v.status);
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
  base::TimePoint now = os::Now();
  for (size_t i : *which) {
    core::ServiceView v = ViewOf(i, now);
    if (!v.ready) missing += (missing.empty() ? "" : ", ") + v.name;
  }
  return missing;
}

std::optional<std::vector<std::string>> Runner::Recent(const std::string& name, int n) const {
  const auto& services = supervisor_.services();
  for (size_t i = 0; i < services.size(); ++i) {
    if (core::Listed(supervisor_, i) && services[i].spec.name == name) {
      return output_->Recent(i, static_cast<size_t>(n));
    }
  }
  return std::nullopt;
}

}  // namespace app
