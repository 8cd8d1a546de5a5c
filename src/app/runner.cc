#include "app/runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "app/fd_budget.h"
#include "os/acceptor.h"
#include "os/proc_stats.h"
#include "os/process.h"
#include "os/reaper.h"
#include "os/spawn.h"

extern char** environ;

namespace app {

namespace {

bool WantColour() {
  const char* no_colour = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) && !(no_colour && *no_colour) &&
         !(term && std::string(term) == "dumb");
}

core::Settings SettingsFrom(const Plan& p, bool reloadable) {
  core::Settings s;
  s.grace = p.grace;
  s.scan_interval = p.scan_interval;
  s.reload_on_hup = reloadable;
  return s;
}

bool AnyInherit(const Plan& p) {
  return std::any_of(p.services.begin(), p.services.end(), [](const spec::ServiceSpec& s) {
    return s.out.mode == spec::OutputSpec::Mode::kInherit ||
           s.err.mode == spec::OutputSpec::Mode::kInherit;
  });
}

// SIGHUP re-reads configuration files; with none, it is forwarded.
bool HasFiles(const spec::Options& o) {
  return !o.config.empty() || !o.procfile.empty() || !o.cfe_csv.empty() || o.services.empty();
}

}  // namespace

base::Result<std::unique_ptr<Runner>> Runner::Create(Plan plan, spec::Options options,
                                                     spec::EnvLookup env) {
  auto epoll = os::Epoll::Create();
  if (!epoll) return epoll.Err();
  auto signals = os::SignalFd::Open();
  if (!signals) return signals.Err();
  auto timer = os::TimerFd::Create();
  if (!timer) return timer.Err();
  std::unique_ptr<Runner> r(new Runner(std::move(plan), std::move(options), std::move(env),
                                       std::move(*epoll), std::move(*signals), std::move(*timer)));
  if (auto st = r->Init(); !st) return st.Err();
  return r;
}

Runner::Runner(Plan plan, spec::Options options, spec::EnvLookup env, os::Epoll epoll,
               os::SignalFd signals, os::TimerFd timer)
    : epoll_(std::move(epoll)),
      plan_(std::move(plan)),
      options_(std::move(options)),
      env_(std::move(env)),
      signals_(std::move(signals)),
      timer_(std::move(timer)),
      supervisor_(plan_.services, SettingsFrom(plan_, HasFiles(options_))) {}

base::Status Runner::Init() {
  if (getpid() != 1) {
    if (auto st = os::BecomeSubreaper(); !st) return st;
  }
  nofile_at_start_ = os::RaiseFdLimit();
  if (auto shortage = FdShortage(plan_.services, false)) return base::Error{*shortage};
  // For tests of the fallback taken on kernels without pidfd_open.
  if (const char* v = std::getenv("TEND_NO_PIDFD"); v && *v == '1') {
    pidfds_ = false;
    no_pidfd_reason_ = "TEND_NO_PIDFD=1";
  }
  auto signals = epoll_.Add(signals_.Fd(), EPOLLIN, [this](uint32_t) { OnSignals(); });
  if (!signals) return signals.Err();
  signals_watch_ = std::move(*signals);
  auto timer = epoll_.Add(timer_.Fd(), EPOLLIN, [this](uint32_t) {
    timer_.Acknowledge();
    queue_.push_back(core::Event::Timer());
  });
  if (!timer) return timer.Err();
  timer_watch_ = std::move(*timer);
  dev_null_ = base::UniqueFd(open("/dev/null", O_RDWR | O_CLOEXEC));
  OutputStyle style;
  style.colour = WantColour() && plan_.log_format == spec::LogFormat::kPlain;
  style.json = plan_.log_format == spec::LogFormat::kJson;
  style.timestamps = plan_.timestamps;
  style.threshold = options_.verbosity == spec::Verbosity::kVerbose ? core::LogLevel::kDebug
                    : options_.verbosity == spec::Verbosity::kQuiet ? core::LogLevel::kWarn
                                                                    : core::LogLevel::kInfo;
  output_ = std::make_unique<OutputRouter>(epoll_, style, AnyInherit(plan_));
  std::vector<std::string> names = Names();
  for (size_t i = 0; i < plan_.services.size(); ++i) {
    if (auto st = output_->Prepare(i, plan_.services[i], names); !st) return st;
  }
  io_.resize(plan_.services.size());
  started_wall_ms_ = os::WallMillis();
  StartControl();
  return StartHttp();
}

int Runner::Run() {
  Feed(core::Event::StartAll());
  ProcessEvents();
  while (!exit_code_) {
    std::optional<base::TimePoint> deadline = supervisor_.NextDeadline();
    if (control_) {
      control_->Poll(os::Now());  // answers waits the last events satisfied
      auto c = control_->NextDeadline();
      if (c && (!deadline || *c < *deadline)) deadline = c;
    }
    if (http_) {
      http_->Poll(os::Now());  // drops clients past their deadline
      auto h = http_->NextDeadline();
      if (h && (!deadline || *h < *deadline)) deadline = h;
    }
    if (auto st = timer_.Arm(deadline); !st) {
      Log(core::LogLevel::kError, st.Err().Describe());
    }
    start_table_.reset();
    if (auto n = epoll_.Dispatch(); !n) {
      Log(core::LogLevel::kError, n.Err().Describe() + " (continuing)");
      continue;
    }
    ++loop_iterations_;
    ProcessEvents();
  }
  // Bounded: output nobody reads (a FIFO, a stalled `docker logs`) must
  // not keep tend from exiting; what is left after the grace is dropped.
  output_->Finish(plan_.grace);
  return *exit_code_;
}

void Runner::OnSignals() {
  bool child = false;
  for (const signalfd_siginfo& si : signals_.ReadAll()) {
    if (si.ssi_signo == SIGCHLD) {
      child = true;
    } else {
      queue_.push_back(core::Event::Signal(static_cast<int>(si.ssi_signo)));
    }
  }
  if (child) Reap();
}

void Runner::Reap() {
  os::ReapResult r = os::ReapAll();
  // Said first, so that when the last service's exit is handled the
  // supervisor already knows nothing else is left to stop.
  if (r.no_children) queue_.push_back(core::Event::NoChildren());
  bool orphans = false;
  for (const os::Reaped& child : r.reaped) {
    auto status = core::ExitStatus::FromWaitStatus(child.wait_status);
    if (auto stop = stop_commands_.find(child.pid); stop != stop_commands_.end()) {
      Log(status.Clean() ? core::LogLevel::kInfo : core::LogLevel::kWarn,
          Spec(stop->second).name + ": stop command " + status.Describe());
      stop_commands_.erase(stop);
      continue;
    }
    if (ReapProbe(child.pid, status)) continue;
    size_t i = 0;
    while (i < io_.size() && io_[i].pid != child.pid) ++i;
    if (i == io_.size()) {
      // An adopted daemon is tend's child once its parent exited; its death
      // also makes its pidfd readable. Whichever path sees it first
      // forgets it, so both agree and it is reported once.
      bool daemon = false;
      for (size_t d = 0; d < io_.size() && !daemon; ++d)
        daemon = ForgetDaemon(d, child.pid, status);
      orphans = orphans || !daemon;
      continue;
    }
    output_->Drain(i);  // everything it wrote is logged before its exit
    io_[i].pidfd_watch.Reset();
    io_[i].pidfd.Reset();
    io_[i].pid = 0;
    queue_.push_back(core::Event::Exited(i, status));
  }
  if (orphans) queue_.push_back(core::Event::OrphansReaped());
}

// SIGHUP with configuration files: read everything again; apply it only
// when all of it is valid, else keep running exactly as before.
void Runner::Reload() {
  PlanResult r = LoadPlan(options_, env_);
  reload_ok_ = r.errors.empty();
  if (!r.errors.empty()) {
    for (const spec::Diagnostic& d : r.errors) Log(core::LogLevel::kError, d.Format());
    reload_error_ = r.errors.front().Format();
    Log(core::LogLevel::kError, "reload rejected: " + std::to_string(r.errors.size()) +
                                    " error(s); the running services are unchanged");
    return;
  }
  // All or nothing: a reload that would run out of fds half-way is refused.
  if (auto shortage = FdShortage(r.plan.services, true)) {
    reload_ok_ = false;
    reload_error_ = *shortage;
    Log(core::LogLevel::kError,
        "reload rejected: " + *shortage + "; the running services are unchanged");
    return;
  }
  for (const core::Action& a : supervisor_.Reload(r.plan.services, os::Now(), os::WallMillis())) {
    Execute(a);
  }
}

// Whether the services of `next` fit in the fds tend has left; with
// `only_new`, just those not in the table yet (the others hold theirs).
std::optional<std::string> Runner::FdShortage(const std::vector<spec::ServiceSpec>& next,
                                              bool only_new) const {
  std::vector<const spec::ServiceSpec*> added;
  for (const spec::ServiceSpec& spec : next) {
    bool known = false;
    for (const core::ServiceRuntime& s : supervisor_.services()) {
      known = known || (!s.Retired() && s.spec.name == spec.name);
    }
    if (!only_new || !known) added.push_back(&spec);
  }
  size_t open = static_cast<size_t>(os::CountOwnOpenFds().value_or(0));
  return CheckFdBudget(added, open, os::FdLimit());
}

void Runner::ProcessEvents() {
  while (!queue_.empty() && !exit_code_) {
    core::Event e = std::move(queue_.front());
    queue_.pop_front();
    Feed(e);
  }
}

void Runner::Feed(const core::Event& e) {
  for (const core::Action& a : supervisor_.Handle(e, os::Now(), os::WallMillis())) Execute(a);
}

void Runner::Execute(const core::Action& a) {
  switch (a.kind) {
    case core::Action::Kind::kSpawn: DoSpawn(a.service); break;
    case core::Action::Kind::kScan: DoScan(a.service); break;
    case core::Action::Kind::kRelease: DoRelease(a.service, a.signal); break;
    case core::Action::Kind::kRunStop: DoRunStop(a.service); break;
    case core::Action::Kind::kSignalService: DoSignalService(a.service, a.signal); break;
    case core::Action::Kind::kSignalAll: os::SignalDescendants(a.signal); break;
    case core::Action::Kind::kReload: Reload(); break;
    case core::Action::Kind::kLog: Log(a.level, a.text); break;
    case core::Action::Kind::kExit: exit_code_ = a.code; break;
    case core::Action::Kind::kProbe: DoProbe(a); break;
    case core::Action::Kind::kCancelProbe: CancelProbe(ProbeKey{a.service, a.probe}); break;
    case core::Action::Kind::kFree: DoFree(a.service); break;
  }
}

// A service a reload removed is down: every fd and buffer it had goes now,
// so that reloads cost nothing in the long run (its slot is reused).
void Runner::DoFree(size_t i) {
  if (i >= io_.size()) return;
  CancelProbe(ProbeKey{i, core::ProbeKind::kLiveness});
  CancelProbe(ProbeKey{i, core::ProbeKind::kReadiness});
  Unwatch(i);
  CloseNotifyFd(i);
  io_[i].pidfd_watch.Reset();  // before its pidfd closes
  io_[i] = ServiceIo();
  output_->Forget(i);
}

// Indexed like the services; a removed one has no name, so that it no
// longer widens the name column.
std::vector<std::string> Runner::Names() const {
  std::vector<std::string> names;
  for (const core::ServiceRuntime& s : supervisor_.services()) {
    names.push_back(s.Retired() ? std::string() : s.spec.name);
  }
  return names;
}

// Everything the child needs, built before fork: its environment is tend's,
// then the service's env_file and env, then HOME/USER/LOGNAME of its user.
os::SpawnRequest Runner::Request(const spec::ServiceSpec& spec, const spec::CommandLine& command,
                                 size_t i) {
  os::SpawnRequest req;
  req.argv = command.Argv();
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (spec.credentials) {
    env["HOME"] = spec.credentials->home.empty() ? "/" : spec.credentials->home;
    if (!spec.credentials->user.empty()) env["USER"] = env["LOGNAME"] = spec.credentials->user;
  }
  HealthEnv(spec, env);
  for (const std::string& kv : spec.env) {
    size_t eq = kv.find('=');
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) req.env.push_back(k + "=" + v);
  auto fds = output_->ChildFds(i);
  req.stdout_fd = fds[0];
  req.stderr_fd = fds[1];
  req.working_dir = spec.working_dir;
  req.umask = spec.umask;
  req.rlimits = spec.rlimits;
  bool sets_nofile = std::any_of(spec.rlimits.begin(), spec.rlimits.end(),
                                 [](const spec::Rlimit& l) { return l.resource == RLIMIT_NOFILE; });
  if (!sets_nofile && nofile_at_start_.hard > 0) req.rlimits.push_back(nofile_at_start_);
  req.nice = spec.nice;
  req.credentials = spec.credentials;
  return req;
}

void Runner::DoSpawn(size_t i) {
  if (io_.size() < supervisor_.services().size()) io_.resize(supervisor_.services().size());
  const spec::ServiceSpec& spec = Spec(i);
  Unwatch(i);  // a new start: whatever it watched before is not its daemon
  if (auto st = output_->Prepare(i, spec, Names()); !st) {
    Log(core::LogLevel::kError, spec.name + ": " + st.Err().Describe());
  }
  os::SpawnRequest req = Request(spec, spec.command, i);
  io_[i].mainpid = 0;
  PrepareNotifyFd(i, req);
  auto child = os::Spawn(req);
  if (io_[i].notify) io_[i].notify->CloseChildEnd();
  if (!child) {
    CloseNotifyFd(i);
    const base::Error& err = child.Err();
    queue_.push_back(core::Event::ExecFailed(i, core::ExitStatus::Code(os::ExecFailureCode(err)),
                                             err.Describe()));
    return;
  }
  io_[i].pid = child->pid;
  io_[i].pgid = child->pid;
  io_[i].pidfd = std::move(child->pidfd);
  if (io_[i].pidfd) {
    auto watch = epoll_.Add(io_[i].pidfd.Get(), EPOLLIN, [this](uint32_t) { Reap(); });
    if (watch) io_[i].pidfd_watch = std::move(*watch);
  }
  queue_.push_back(core::Event::Spawned(i, child->pid));
}

// stop_command runs beside the service, as its user, output under its name.
void Runner::DoRunStop(size_t i) {
  const spec::ServiceSpec& spec = Spec(i);
  auto child = os::Spawn(Request(spec, *spec.stop_command, i));
  if (!child) {
    Log(core::LogLevel::kError, spec.name + ": stop command: " + child.Err().Describe() +
                                    "; sending " + base::SignalName(spec.stop_signal) + " instead");
    DoSignalService(i, spec.stop_signal);
    return;
  }
  stop_commands_[child->pid] = i;
  Log(core::LogLevel::kInfo, spec.name + ": running stop command '" + spec.stop_command->line +
                                 "' (pid " + std::to_string(child->pid) + ")");
}

void Runner::DoSignalService(size_t i, int sig) {
  if (i >= io_.size()) return;
  if (io_[i].pid > 0) {
    if (auto st = os::SignalGroup(io_[i].pid, io_[i].pidfd.Get(), sig); !st) {
      Log(core::LogLevel::kWarn, Spec(i).name + ": " + st.Err().Describe());
    }
  }
  for (const Watched& w : io_[i].daemons) os::SignalDaemon(w.pid, w.pidfd.Get(), sig);
}

}  // namespace app
