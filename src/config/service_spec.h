// ServiceSpec: everything tend needs to know to run one service, resolved
// from the command line (and, later, config files) before anything starts.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "config/command_line.h"
#include "config/cron.h"
#include "config/socket_spec.h"
#include "config/success_status.h"

namespace spec {

// A service name is a log prefix, padded to the longest one: a long one
// would pad every line. Explicit names are errors past this, derived ones
// are cut.
inline constexpr size_t kMaxNameBytes = 64;

enum class RestartPolicy { kAlways, kOnFailure, kNever };

const char* RestartPolicyName(RestartPolicy policy);

// How tend recognises the processes of a daemonizing service in the process
// table (CFEngine's process promise, done without polling).
struct MatchRule {
  enum class Kind {
    kName,     // process name (comm) or basename of argv[0] equals `pattern`
    kRegex,    // ECMAScript regex searched in the whole command line
    kPidfile,  // the pid written in the file at `pattern`
  };
  Kind kind = Kind::kName;
  std::string pattern;

  std::string Describe() const;  // "name 'apache2'", for log lines
  bool operator==(const MatchRule&) const = default;
};

// Whether a command that exits 0 may have left a daemon behind.
enum class DaemonMode {
  kAuto,  // look for one when the command left processes behind
  kYes,   // always expect one
  kNo,    // never: a foreground service, whatever it leaves
};

// kNo for a command whose process is a shell (`sh -c '...'`): a clean exit
// of a shell script is not a daemon start, and every shell would match.
DaemonMode DefaultDaemonMode(const MatchRule& match);

// The event types a hook can be set for: every lifecycle event of a
// service (core::EventKind's names but "reload", which is tend's own).
inline constexpr const char* kHookEvents[] = {"started",    "ready",   "adopted",
                                              "unhealthy",  "healthy", "exited",
                                              "restarting", "fatal",   "stopped"};

// What ends with a service's main process (systemd's KillMode).
enum class KillMode {
  kGroup,  // everything it owns: what its command left, its groups' members
  kMain,   // only the main process: what it leaves runs on (adopted daemons aside)
};

// How `tendctl restart` and a reload that changes it replace a service
// that holds `listen` sockets and defines readiness.
enum class RestartOrder {
  kStartFirst,  // the new instance starts first; the old one stops once it is ready
  kStopFirst,   // the old one stops, then the new one starts (every other service)
};

enum class ServiceType {
  kSimple,   // runs until it ends; restarted by policy
  kOneshot,  // runs to completion; its dependents wait for a clean exit
};

// Where one output stream of a service goes.
struct OutputSpec {
  enum class Mode { kPrefix, kInherit, kNull, kFile };
  Mode mode = Mode::kPrefix;
  std::string path;                                // kFile
  uint64_t max_size = uint64_t{10} * 1024 * 1024;  // kFile: rotate past this many bytes
  int keep = 5;                                    // kFile: rotated files kept (path.1 ...)
  bool operator==(const OutputSpec&) const = default;
};

struct Rlimit {
  int resource = 0;             // RLIMIT_*
  uint64_t soft = 0, hard = 0;  // RLIM_INFINITY for unlimited
  bool operator==(const Rlimit&) const = default;
};

// Resolved from names in /etc/passwd and /etc/group when the spec is read.
struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary
  std::string user;           // for HOME, USER, LOGNAME
  std::string home;
  bool operator==(const Credentials&) const = default;
};

// A health probe in Kubernetes terms. Liveness failures restart the
// service; readiness decides whether it counts as ready.
struct ProbeSpec {
  enum class Kind {
    kExec,  // run `command`; exit 0 is healthy
    kTcp,   // connect to `target` ("host:port")
    kHttp,  // GET `target` (a URL); status 200-399 is healthy
  };
  Kind kind = Kind::kExec;
  CommandLine command;  // kExec
  std::string target;   // kTcp, kHttp: as written; checked when the config is read
  base::Duration period = base::seconds(10);
  base::Duration timeout = base::seconds(1);
  base::Duration initial_delay{};
  int failure_threshold = 3;
  int success_threshold = 1;

  std::string Describe() const;  // "http http://127.0.0.1:80/", for log lines
  bool operator==(const ProbeSpec&) const = default;
};

const char* ProbeKindName(ProbeSpec::Kind kind);

struct ServiceSpec {
  std::string name;
  // One of the copies `instances = N` runs: the name they share (tendctl
  // and depends_on use it for all of them) and its number, 1..N. Empty and
  // 0 for a service on its own.
  std::string group;
  int instance = 0;
  CommandLine command;
  ServiceType type = ServiceType::kSimple;
  RestartPolicy restart = RestartPolicy::kAlways;
  base::Duration backoff_initial = base::milliseconds(100);
  base::Duration backoff_max = base::seconds(30);
  int start_limit = 0;  // starts within start_limit_window that make it fatal; 0: none
  base::Duration start_limit_window = base::seconds(60);
  bool critical = false;
  std::optional<CronExpr> schedule;  // oneshot only
  SuccessStatus success;             // statuses besides exit 0 that are no failure

  MatchRule match;  // default: the executable's basename
  DaemonMode daemon = DaemonMode::kAuto;

  std::optional<Credentials> credentials;  // unset: tend's own
  std::vector<std::string> env;            // "KEY=value", on top of tend's environment
  std::string env_file;                    // read at each start, under `env`; empty: none
  std::string working_dir;                 // empty: tend's
  std::optional<mode_t> umask;
  std::vector<Rlimit> rlimits;
  std::optional<int> nice;

  int stop_signal = 15;                        // SIGTERM
  std::optional<base::Duration> stop_timeout;  // unset: the global grace
  std::optional<CommandLine> stop_command;
  KillMode kill_mode = KillMode::kGroup;
  // A shutdown task (`type = "shutdown"`): a oneshot run once the services
  // have stopped, before tend exits (s6-overlay's cont-finish.d).
  bool at_shutdown = false;
  // Commands run when an event of the service happens (app/hook_runner.h),
  // by event type ("exited", "fatal", ...): as its user, with a timeout, at
  // most one running per service and event.
  std::map<std::string, CommandLine> hooks;
  base::Duration hook_timeout = base::seconds(30);

  std::vector<std::string> depends_on;
  OutputSpec out, err;
  // Sockets tend binds and passes as fds 3, 4, ... (sd_listen_fds).
  std::vector<SocketSpec> listen;
  RestartOrder restart_order = RestartOrder::kStartFirst;

  // Readiness: ready once up for `ready_after`, once the readiness probe
  // passes, or once the service says so (a line on fd `notify_fd`, s6's
  // way; READY=1 on $NOTIFY_SOCKET, systemd's). Without any of these a
  // service is ready as soon as it runs.
  std::optional<base::Duration> ready_after;
  std::optional<int> notify_fd;
  bool notify_systemd = false;
  std::optional<ProbeSpec> liveness, readiness;
  // WATCHDOG=1 must come at least this often, else it is restarted.
  std::optional<base::Duration> watchdog;
  // Its dependents fail to start when it is not ready this long after its
  // first start.
  base::Duration start_timeout = base::seconds(60);

  bool DefinesReadiness() const { return ready_after || notify_fd || notify_systemd || readiness; }
  // Whether tend gives it a NOTIFY_SOCKET.
  bool SpeaksSdNotify() const { return notify_systemd || watchdog; }
  // Whether a restart starts its new instance before stopping the old one:
  // both share its held sockets, so no client is refused or cut, and the
  // readiness signal says when the new one can take over.
  bool StartsFirst() const {
    return restart_order == RestartOrder::kStartFirst && !listen.empty() && DefinesReadiness() &&
           type == ServiceType::kSimple;
  }

  // Whether `n` names this service: its own name, or its group's.
  bool IsCalled(std::string_view n) const { return n == name || (!group.empty() && n == group); }
  // Whether it waits for `other` (by name, or by other's group: for all of them).
  bool DependsOn(const ServiceSpec& other) const;
  // The group's name for an instance, else its own: what its sockets are
  // named after and who owns an address.
  const std::string& GroupName() const { return group.empty() ? name : group; }

  bool operator==(const ServiceSpec&) const = default;
};

}  // namespace spec
