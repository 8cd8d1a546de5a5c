// ProbeRunner: the health probe runs in flight. On the Supervisor's request
// it starts one: an exec probe is a child process (reaped on the one path,
// recognised here), a tcp or http probe a non-blocking os::ProbeConn in the
// loop. Each result is queued as Probed with the run id it was asked for;
// the Supervisor keeps the timeouts and cancels runs that outlive them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "app/loop_context.h"
#include "config/service_spec.h"
#include "core/exit_status.h"
#include "os/probe_conn.h"
#include "os/spawn.h"

namespace app {

class ProbeRunner {
 public:
  explicit ProbeRunner(LoopContext ctx) : ctx_(std::move(ctx)) {}

  // `exec_request` is asked for only by exec probes.
  void Start(size_t i, core::ProbeKind kind, uint64_t run, const spec::ProbeSpec& probe,
             const std::function<os::SpawnRequest()>& exec_request);
  // Stops a run in flight: its socket is closed, its process group killed
  // (and reaped on the usual path, where it is recognised and dropped).
  void Cancel(size_t i, core::ProbeKind kind);
  // A reaped pid: true when it was an exec probe's.
  bool Reaped(int pid, const core::ExitStatus& status);

 private:
  struct Key {
    size_t service;
    core::ProbeKind kind;
    bool operator<(const Key& o) const {
      return service != o.service ? service < o.service : kind < o.kind;
    }
  };
  struct Run {  // one probe run in flight
    uint64_t run = 0;
    int pid = 0;                          // exec probes
    std::unique_ptr<os::ProbeConn> conn;  // tcp and http probes
    os::IoWatch watch;                    // conn's; declared after it
  };

  void StartExec(Key key, const os::SpawnRequest& req);
  void StartSocket(Key key, const spec::ProbeSpec& probe);
  void OnSocket(Key key, uint32_t events);
  void Done(Key key, bool ok, std::string why);

  LoopContext ctx_;
  std::map<Key, Run> runs_;
  std::map<int, std::optional<Key>> pids_;  // exec probe pid -> its run (nullopt: cancelled)
};

}  // namespace app
