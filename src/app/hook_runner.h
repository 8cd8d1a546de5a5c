// HookRunner: a service's hooks (its `hooks` table) run on its lifecycle
// events, as an EventFeed sink. A hook runs like its service's
// stop_command: as its user, in its directory and environment, its output
// under its name; with TEND_SERVICE, TEND_EVENT, TEND_EVENT_JSON, TEND_PID
// and, for an exit, TEND_EXIT_STATUS or TEND_SIGNAL. At most one runs per
// service and event: events that come while it runs are coalesced into one
// more run, with the latest of them, once it ends, so a crash loop cannot
// pile up hooks. One still running after hook_timeout gets SIGKILL (its
// process group). Spawning is the loop's only cost; nothing waits for a
// hook. In shutdown no hook starts (shutdown tasks are for that).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "app/loop_context.h"
#include "base/unique_fd.h"
#include "core/exit_status.h"
#include "core/lifecycle_event.h"
#include "core/supervisor.h"
#include "os/spawn.h"

namespace app {

class HookRunner {
 public:
  // The spawn request of `command` run beside service i (Runner::Request).
  using MakeRequest = std::function<os::SpawnRequest(size_t i, const spec::CommandLine& command)>;

  HookRunner(LoopContext ctx, const core::Supervisor& supervisor, MakeRequest make);

  void On(const core::LifecycleEvent& e, const std::string& json);
  // A reaped pid: true when it was a hook's (a queued run then starts).
  bool Reaped(int pid, core::ExitStatus status);
  void Poll(base::TimePoint now);  // SIGKILL past hook_timeout
  std::optional<base::TimePoint> NextDeadline() const;

 private:
  struct Fired {
    size_t service = 0;
    core::LifecycleEvent event;
    std::string json;
  };
  struct Run {
    int pid = 0;
    base::UniqueFd pidfd;
    base::TimePoint deadline{};
    bool killed = false;
    std::optional<Fired> next;  // coalesced: the latest event while it ran
  };
  using Key = std::pair<std::string, std::string>;  // service name, event type

  void Start(const Key& key, const Fired& fired);

  LoopContext ctx_;
  const core::Supervisor& supervisor_;
  MakeRequest make_;
  std::map<Key, Run> runs_;
};

}  // namespace app
