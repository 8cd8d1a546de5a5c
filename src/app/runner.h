// Runner: tend's one event loop. It owns every fd (signalfd, timerfd, the
// services' pidfds and output pipes through the OutputRouter), each
// registered in the os::Epoll with the handler that turns its readiness
// into core events, and carries out the Supervisor's actions through os/.
#pragma once

#include <sys/epoll.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/children.h"
#include "app/control_handler.h"
#include "app/daemon_watch.h"
#include "app/env_files.h"
#include "app/fd_store.h"
#include "app/held_sockets.h"
#include "app/hook_runner.h"
#include "app/http_endpoint.h"
#include "app/notify_intake.h"
#include "app/output_router.h"
#include "app/plan.h"
#include "app/probe_runner.h"
#include "app/service_views.h"
#include "app/syslog_intake.h"
#include "base/result.h"
#include "config/options.h"
#include "core/supervisor.h"
#include "os/epoll.h"
#include "os/signals.h"
#include "os/spawn.h"
#include "os/timer_fd.h"

namespace app {

class Runner {
 public:
  // Sets everything up; an error here is reported and tend exits before
  // any service starts.
  static base::Result<std::unique_ptr<Runner>> Create(Plan plan, spec::Options options,
                                                      spec::EnvLookup env);
  // Runs until the Supervisor says exit; returns the exit status.
  int Run();

 private:
  // First, so that it outlives every watch registered with it.
  os::Epoll epoll_;

  Runner(Plan plan, spec::Options options, spec::EnvLookup env, os::Epoll epoll,
         os::SignalFd signals, os::TimerFd timer);
  base::Status Init();
  void MakeComponents();

  void OnSignals();
  void Reap();
  // The reason when the new configuration is rejected (nothing changed).
  std::optional<std::string> Reload();
  std::optional<std::string> Rejected(const PlanResult& r);

  void ProcessEvents();
  void Feed(const core::Event& e);
  void Execute(const core::Action& a);
  void DoSpawn(size_t i);
  void DoRunStop(size_t i);
  void DoSignalService(size_t i, int sig);
  void DoProbe(const core::Action& a);
  void DoFree(size_t i);
  os::SpawnRequest Request(const spec::ServiceSpec& spec, const spec::CommandLine& command,
                           size_t i);
  const spec::ServiceSpec& Spec(size_t i) const { return supervisor_.services()[i].spec; }
  void Log(core::LogLevel level, const std::string& text) { output_->Log(level, text); }
  uint64_t loop_iterations_ = 0;

  Plan plan_;
  spec::Options options_;
  spec::EnvLookup env_;
  os::SignalFd signals_;
  os::TimerFd timer_;
  os::IoWatch signals_watch_, timer_watch_;
  core::Supervisor supervisor_;
  std::deque<core::Event> queue_;  // what the components learned, for the Supervisor
  std::unique_ptr<OutputRouter> output_;
  HeldSockets sockets_;  // the services' listen sockets, held across restarts
  FdStore fd_store_;     // what services parked with FDSTORE=1, by name
  EnvFiles env_files_;   // each run's env_file, read at its start
  // The loop's components; each owns its fds (see docs/architecture.md).
  std::unique_ptr<Children> children_;
  std::unique_ptr<DaemonWatch> daemons_;
  std::unique_ptr<ProbeRunner> probes_;
  std::unique_ptr<NotifyIntake> notify_;
  std::unique_ptr<SyslogIntake> syslog_;
  std::unique_ptr<ServiceViews> views_;
  std::unique_ptr<EventFeed> events_;  // before its sinks: hooks_, control_, http_
  std::unique_ptr<HookRunner> hooks_;
  std::unique_ptr<ControlHandler> control_;
  std::unique_ptr<HttpEndpoint> http_;
  base::UniqueFd dev_null_;  // exec probes' output
  std::optional<int> exit_code_;
  spec::Rlimit nofile_at_start_;  // services get it back (tend raised its own)
  std::vector<std::string> tend_env_;
};

}  // namespace app
