#include "app/hook_runner.h"

#include <csignal>

#include "base/signal_names.h"
#include "os/process.h"
#include "os/timer_fd.h"

namespace app {
namespace {

// What a hook is told, on top of its service's environment.
void AddEnvironment(const core::LifecycleEvent& e, const std::string& json,
                    std::vector<std::string>& env) {
  env.push_back("TEND_SERVICE=" + e.name);
  env.push_back(std::string("TEND_EVENT=") + core::EventKindName(e.kind));
  env.push_back("TEND_EVENT_JSON=" + json);
  if (e.pid > 0) env.push_back("TEND_PID=" + std::to_string(e.pid));
  if (e.status && e.status->signaled) {
    env.push_back("TEND_SIGNAL=" + base::SignalName(e.status->value));
  } else if (e.status) {
    env.push_back("TEND_EXIT_STATUS=" + std::to_string(e.status->value));
  }
}

}  // namespace

HookRunner::HookRunner(LoopContext ctx, const core::Supervisor& supervisor, MakeRequest make)
    : ctx_(std::move(ctx)), supervisor_(supervisor), make_(std::move(make)) {}

void HookRunner::On(const core::LifecycleEvent& e, const std::string& json) {
  if (e.kind == core::EventKind::kReload || supervisor_.ShuttingDown()) return;
  if (e.service >= supervisor_.services().size()) return;
  const spec::ServiceSpec& spec = supervisor_.services()[e.service].spec;
  if (!spec.hooks.count(core::EventKindName(e.kind))) return;
  Key key{e.name, core::EventKindName(e.kind)};
  auto it = runs_.find(key);
  if (it != runs_.end()) {
    it->second.next = Fired{e.service, e, json};  // once more when this one ends
    return;
  }
  Start(key, Fired{e.service, e, json});
}

void HookRunner::Start(const Key& key, const Fired& fired) {
  const spec::ServiceSpec& spec = supervisor_.services()[fired.service].spec;
  auto hook = spec.hooks.find(key.second);
  if (hook == spec.hooks.end()) return;  // a reload took it away meanwhile
  os::SpawnRequest req = make_(fired.service, hook->second);
  AddEnvironment(fired.event, fired.json, req.env);
  auto child = os::Spawn(req);
  std::string what = key.first + ": hook for '" + key.second + "' ('" + hook->second.line + "')";
  if (!child) {
    ctx_.log(core::LogLevel::kWarn, what + " cannot start: " + child.Err().Describe());
    return;
  }
  Run& run = runs_[key];
  run.pid = child->pid;
  run.pidfd = std::move(child->pidfd);
  run.deadline = os::Now() + spec.hook_timeout;
  run.killed = false;
  ctx_.log(core::LogLevel::kInfo, what + " started (pid " + std::to_string(run.pid) + ")");
}

bool HookRunner::Reaped(int pid, core::ExitStatus status) {
  for (auto it = runs_.begin(); it != runs_.end(); ++it) {
    if (it->second.pid != pid) continue;
    Key key = it->first;
    std::optional<Fired> next = std::move(it->second.next);
    if (!status.Clean()) {
      ctx_.log(core::LogLevel::kWarn, key.first + ": hook for '" + key.second + "' " +
                                          status.Describe() +
                                          (it->second.killed ? " (hook_timeout)" : ""));
    }
    runs_.erase(it);
    if (next && !supervisor_.ShuttingDown()) Start(key, *next);
    return true;
  }
  return false;
}

void HookRunner::Poll(base::TimePoint now) {
  for (auto& [key, run] : runs_) {
    if (run.killed || now < run.deadline) continue;
    run.killed = true;
    (void)os::SignalGroup(run.pid, run.pidfd.Get(), SIGKILL);
  }
}

std::optional<base::TimePoint> HookRunner::NextDeadline() const {
  std::optional<base::TimePoint> next;
  for (const auto& [key, run] : runs_) {
    if (!run.killed && (!next || run.deadline < *next)) next = run.deadline;
  }
  return next;
}

}  // namespace app
