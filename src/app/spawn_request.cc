#include "app/spawn_request.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <map>

extern char** environ;

namespace app {
namespace {

using Env = std::map<std::string, std::string>;

void Put(Env& env, const std::string& kv) {
  size_t eq = kv.find('=');
  if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
}

void UserEnv(const spec::ServiceSpec& spec, Env& env) {
  if (!spec.credentials) return;
  env["HOME"] = spec.credentials->home.empty() ? "/" : spec.credentials->home;
  if (!spec.credentials->user.empty()) env["USER"] = env["LOGNAME"] = spec.credentials->user;
}

// What systemd sets for a Type=notify service.
void NotifyEnv(const spec::ServiceSpec& spec, const std::string& socket, Env& env) {
  if (!spec.SpeaksSdNotify()) return;
  if (!socket.empty()) env["NOTIFY_SOCKET"] = socket;
  if (spec.watchdog) {
    env["WATCHDOG_USEC"] = std::to_string(
        std::chrono::duration_cast<std::chrono::microseconds>(*spec.watchdog).count());
  }
}

}  // namespace

void AddListenFds(os::SpawnRequest& req, const std::vector<int>& fds,
                  const std::vector<std::string>& names) {
  if (fds.empty()) return;
  std::erase_if(req.env, [](const std::string& kv) {
    return kv.rfind("LISTEN_FDS=", 0) == 0 || kv.rfind("LISTEN_FDNAMES=", 0) == 0;
  });
  req.listen_fds = fds;
  req.env.push_back("LISTEN_FDS=" + std::to_string(fds.size()));
  std::string joined;
  for (const std::string& n : names) joined += (joined.empty() ? "" : ":") + n;
  req.env.push_back("LISTEN_FDNAMES=" + joined);
}

std::vector<std::string> OwnEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) out.emplace_back(*e);
  return out;
}

os::SpawnRequest BuildSpawnRequest(const spec::ServiceSpec& spec, const spec::CommandLine& command,
                                   const SpawnContext& ctx) {
  os::SpawnRequest req;
  req.argv = command.Argv();
  Env env;
  for (const std::string& kv : ctx.tend_env) {
    if (kv.rfind("LISTEN_", 0) != 0) Put(env, kv);
  }
  UserEnv(spec, env);
  NotifyEnv(spec, ctx.notify_socket, env);
  for (const std::string& kv : ctx.env_file) Put(env, kv);
  for (const std::string& kv : spec.env) Put(env, kv);
  for (const auto& [k, v] : env) {
    std::string kv = k;
    kv += '=';
    kv += v;
    req.env.push_back(std::move(kv));
  }
  req.stdout_fd = ctx.fds[0];
  req.stderr_fd = ctx.fds[1];
  req.working_dir = spec.working_dir;
  req.umask = spec.umask;
  req.rlimits = spec.rlimits;
  bool sets_nofile = std::any_of(spec.rlimits.begin(), spec.rlimits.end(),
                                 [](const spec::Rlimit& l) { return l.resource == RLIMIT_NOFILE; });
  if (!sets_nofile && ctx.nofile.hard > 0) {
    // Never above the hard limit as it is now (`prlimit --pid` may have
    // lowered it since): raising it would fail every start with EPERM.
    spec::Rlimit l = ctx.nofile;
    if (ctx.nofile_hard_now > 0) l.hard = std::min(l.hard, ctx.nofile_hard_now);
    l.soft = std::min(l.soft, l.hard);
    req.rlimits.push_back(l);
  }
  req.nice = spec.nice;
  req.credentials = spec.credentials;
  return req;
}

}  // namespace app
