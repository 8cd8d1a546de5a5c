#include "app/control_handler.h"

#include <algorithm>

#include "base/signal_names.h"
#include "ctl/protocol.h"
#include "os/abstract_socket.h"
#include "os/timer_fd.h"

namespace app {

ControlHandler::ControlHandler(os::Epoll& epoll, const ServiceViews& views, OutputRouter& output,
                               EventFeed& events, Loop loop)
    : epoll_(epoll), views_(views), output_(output), events_(events), loop_(std::move(loop)) {}

ctl::Host ControlHandler::MakeHost() {
  ctl::Host host;
  host.handle = [this](const ctl::Request& r) { return Handle(r); };
  host.not_ready = [this](const std::vector<std::string>& n, std::string* e) {
    return NotReady(n, e);
  };
  // A group's name (`instances`) means its instances' lines, merged.
  host.recent = [this](const std::string& name, int n) -> std::optional<std::vector<std::string>> {
    std::string error;
    auto which = views_.Resolve({name}, &error);
    if (!which || name == "all") return std::nullopt;
    return output_.Recent(*which, static_cast<size_t>(n));
  };
  host.forgot = [this](const std::string& name) {
    std::string error;
    auto which = views_.Resolve({name}, &error);
    return which && std::any_of(which->begin(), which->end(),
                                [this](size_t i) { return output_.Forgot(i); });
  };
  host.log = [this](const std::string& text) { loop_.log(core::LogLevel::kWarn, text); };
  host.unknown = [this](const std::vector<std::string>& names) {
    std::string unknown, error;
    for (const std::string& n : names) {
      if (!views_.Resolve({n}, &error)) unknown += (unknown.empty() ? "'" : ", '") + n + "'";
    }
    return unknown;
  };
  return host;
}

base::Status ControlHandler::Listen(const std::string& path, std::optional<gid_t> group) {
  ctl::ServerConfig config;
  config.path = path;
  config.group = group;
  server_ = std::make_unique<ctl::Server>(epoll_, config, MakeHost());
  base::Status st = server_->Listen();
  if (!st) server_.reset();
  return st;
}

base::Status ControlHandler::Start(const Plan& plan) {
  if (plan.control.empty()) return base::OkStatus();
  base::Status st = Listen(plan.control, plan.control_group);
  if (!st && plan.control_explicit) {
    return base::Error{"control socket: " + st.Err().Describe() +
                       " (fix --control, TEND_CONTROL or control_socket; unset, tend falls "
                       "back to an abstract socket; \"\" for none)"};
  }
  if (!st) st = Fallback(plan, st.Err().Describe());
  if (st) Subscribe();
  return base::OkStatus();
}

// The default path could not be made (a read-only or missing /run): the
// abstract socket tendctl looks for next. Logged either way, once.
base::Status ControlHandler::Fallback(const Plan& plan, const std::string& why) {
  auto name = os::ControlFallbackName();
  if (!name) {
    loop_.log(core::LogLevel::kWarn, "control socket disabled: " + why +
                                         "; no abstract socket either (/proc is not mounted)");
    return base::Error{"no fallback"};
  }
  base::Status st = Listen(*name, plan.control_group);
  if (!st) {
    loop_.log(core::LogLevel::kWarn, "control socket disabled: " + why + "; and " +
                                         st.Err().Describe() + " (set --control PATH)");
    return st;
  }
  loop_.log(core::LogLevel::kWarn, "control socket: " + why + "; listening on " +
                                       os::Display(*name) + " instead (tendctl finds it)");
  return st;
}

void ControlHandler::Subscribe() {
  events_.AddSink([this](const core::LifecycleEvent& e, const std::string& json) {
    if (server_) server_->PublishEvent(e.name, views_.GroupOf(e.service), json);
  });
  // Followers of an instance's group get its lines too.
  output_.OnLine(
      [this](size_t i) {
        const std::string& instance_group = views_.GroupOf(i);
        return server_ && (server_->Follows(output_.Name(i)) ||
                           (!instance_group.empty() && server_->Follows(instance_group)));
      },
      [this](size_t i, const std::string& line) {
        if (!server_) return;
        server_->Broadcast(output_.Name(i), line);
        const std::string& instance_group = views_.GroupOf(i);
        if (!instance_group.empty() && instance_group != output_.Name(i))
          server_->Broadcast(instance_group, line);
      });
}

void ControlHandler::Poll(base::TimePoint now) {
  if (server_) server_->Poll(now);
}

std::optional<base::TimePoint> ControlHandler::NextDeadline() const {
  return server_ ? server_->NextDeadline() : std::nullopt;
}

std::string ControlHandler::Handle(const ctl::Request& r) {
  std::string error;
  std::vector<std::string> names = r.names;
  if (names.empty() && r.cmd != ctl::Command::kHealth) names.emplace_back("all");
  auto which = views_.Resolve(names, &error);
  if (!which) return ctl::ErrorReply(error);
  base::TimePoint now = os::Now();
  using Op = core::Supervisor::ControlOp;
  auto apply = [&](Op op, int sig) {
    for (size_t i : *which) loop_.control(op, i, sig);
  };
  switch (r.cmd) {
    case ctl::Command::kHealth: return ctl::HealthReply(views_.Judge(*which, r.all, now));
    case ctl::Command::kStatus: {
      std::vector<core::ServiceView> views;
      for (size_t i : *which) views.push_back(views_.Of(i, now));
      ServiceViews::AddDescendants(views);
      return ctl::StatusReply(views);
    }
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
      if (auto rejected = loop_.reload()) return ctl::ErrorReply("reload rejected: " + *rejected);
      break;
    case ctl::Command::kShutdown: loop_.control(Op::kShutdown, 0, 0); break;
    default: return ctl::ErrorReply("not handled here");
  }
  loop_.settle();
  return ctl::OkReply();
}

std::string ControlHandler::NotReady(const std::vector<std::string>& names,
                                     std::string* error) const {
  auto which = views_.Resolve(names, error);
  if (!which) return "";
  std::string missing;
  base::TimePoint now = os::Now();
  for (size_t i : *which) {
    core::ServiceView v = views_.Of(i, now);
    if (!v.ready) missing += (missing.empty() ? "" : ", ") + v.name;
  }
  return missing;
}

}  // namespace app
