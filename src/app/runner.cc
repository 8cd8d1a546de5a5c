#include "app/runner.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>

#include "app/fd_budget.h"
#include "app/spawn_request.h"
#include "os/files.h"
#include "os/proc_stats.h"
#include "os/process.h"
#include "os/reaper.h"
#include "os/spawn.h"

namespace app {

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
      supervisor_(plan_.services, SupervisorSettings(plan_, options_)) {}

base::Status Runner::Init() {
  if (os::SelfPid() != 1) {
    if (auto st = os::BecomeSubreaper(); !st) return st;
  }
  nofile_at_start_ = os::RaiseFdLimit();
  if (auto shortage = FdShortage(supervisor_.services(), plan_.services, false))
    return base::Error{*shortage};
  if (auto st = sockets_.Hold(plan_.services); !st) return st;
  auto signals = epoll_.Add(signals_.Fd(), EPOLLIN, [this](uint32_t) { OnSignals(); });
  if (!signals) return signals.Err();
  signals_watch_ = std::move(*signals);
  auto timer = epoll_.Add(timer_.Fd(), EPOLLIN, [this](uint32_t) {
    timer_.Acknowledge();
    queue_.push_back(core::Event::Timer());
  });
  if (!timer) return timer.Err();
  timer_watch_ = std::move(*timer);
  dev_null_ = os::OpenDevNull();
  tend_env_ = OwnEnvironment();
  output_ = std::make_unique<OutputRouter>(
      epoll_, StyleFor(plan_.log_format, plan_.timestamps, options_.verbosity),
      AnyInherit(plan_.services));
  std::vector<std::string> names = core::SlotNames(supervisor_);
  for (size_t i = 0; i < plan_.services.size(); ++i) {
    if (auto st = output_->Prepare(i, plan_.services[i], names); !st) return st;
  }
  MakeComponents();
  syslog_->Start(SyslogPath(plan_, os::SelfPid()));
  if (auto st = control_->Start(plan_); !st) return st;
  return http_->Start(plan_.http_listen);
}

void Runner::MakeComponents() {
  LoopContext ctx{epoll_, queue_, [this](core::LogLevel l, const std::string& t) { Log(l, t); }};
  auto reap = [this] { Reap(); };
  auto ended = [this](size_t i, core::ExitStatus status, Left left) {
    output_->Drain(i);  // everything it wrote is logged before its exit
    queue_.push_back(daemons_->Ended(i, status, std::move(left)));
  };
  children_ = std::make_unique<Children>(ctx, reap, ended, plan_.lineage_window);
  children_->Resize(plan_.services.size());
  daemons_ = std::make_unique<DaemonWatch>(ctx, *children_, reap, plan_.scan_interval);
  probes_ = std::make_unique<ProbeRunner>(ctx);
  notify_ = std::make_unique<NotifyIntake>(
      ctx, *children_, *daemons_, supervisor_, fd_store_,
      [this](const std::string& cause, const std::string& text) { output_->Warn(cause, text); });
  syslog_ = std::make_unique<SyslogIntake>(ctx, *daemons_, *children_, supervisor_, *output_);
  views_ = std::make_unique<ServiceViews>(supervisor_, *daemons_);
  ControlHandler::Loop loop;
  loop.control = [this](core::Supervisor::ControlOp op, size_t i, int sig) {
    // Stopped for good (not restarted): its stored fds go, as in systemd.
    if (op == core::Supervisor::ControlOp::kStop) fd_store_.Forget(Spec(i).name);
    for (const core::Action& a : supervisor_.Control(op, i, sig, os::Now())) Execute(a);
  };
  loop.reload = [this] { return Reload(); };
  loop.settle = [this] { ProcessEvents(); };
  loop.log = ctx.log;
  events_ = std::make_unique<EventFeed>(*output_);
  hooks_ = std::make_unique<HookRunner>(
      ctx, supervisor_,
      [this](size_t i, const spec::CommandLine& c) { return Request(Spec(i), c, i); });
  events_->AddSink(
      [this](const core::LifecycleEvent& e, const std::string& j) { hooks_->On(e, j); });
  control_ = std::make_unique<ControlHandler>(epoll_, *views_, *output_, *events_, loop);
  http_ = std::make_unique<HttpEndpoint>(epoll_, *views_, loop_iterations_, syslog_->counters(),
                                         *events_, ctx.log);
}

int Runner::Run() {
  Feed(core::Event::StartAll());
  ProcessEvents();
  while (!exit_code_) {
    std::optional<base::TimePoint> deadline = supervisor_.NextDeadline();
    control_->Poll(os::Now());  // answers waits the last events satisfied
    http_->Poll(os::Now());     // drops clients past their deadline
    syslog_->Poll(os::Now());   // reports drops of rate windows that ended
    hooks_->Poll(os::Now());    // SIGKILL to hooks past their timeout
    for (auto d : {control_->NextDeadline(), http_->NextDeadline(), syslog_->NextDeadline(),
                   hooks_->NextDeadline()}) {
      if (d && (!deadline || *d < *deadline)) deadline = d;
    }
    if (auto st = timer_.Arm(deadline); !st) Log(core::LogLevel::kError, st.Err().Describe());
    daemons_->ForgetSnapshot();
    // Events left from the last batch: look at the fds without waiting.
    if (auto n = epoll_.Dispatch(queue_.empty() ? -1 : 0); !n) {
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

// The one reaping path: every exited child, whoever it was.
void Runner::Reap() {
  os::ReapResult r = os::ReapAll();
  // Said first, so that when the last service's exit is handled the
  // supervisor already knows nothing else is left to stop.
  if (r.no_children) queue_.push_back(core::Event::NoChildren());
  bool orphans = false;
  for (const os::Reaped& child : r.reaped) {
    auto status = core::ExitStatus::FromWaitStatus(child.wait_status);
    if (auto i = children_->TakeStop(child.pid)) {
      Log(status.Clean() ? core::LogLevel::kInfo : core::LogLevel::kWarn,
          Spec(*i).name + ": stop command " + status.Describe());
    } else if (!probes_->Reaped(child.pid, status) && !hooks_->Reaped(child.pid, status) &&
               !children_->Reaped(child.pid, status) && !daemons_->Forget(child.pid, status)) {
      orphans = true;  // neither a service's, nor a probe, nor an adopted daemon
    }
  }
  if (orphans) queue_.push_back(core::Event::OrphansReaped());
}

// SIGHUP with configuration files: read everything again; apply it only
// when all of it is valid, fits and binds, else keep running exactly as before.
std::optional<std::string> Runner::Reload() {
  PlanResult r = LoadPlan(options_, env_);
  if (std::optional<std::string> why = Rejected(r)) {
    Log(core::LogLevel::kError,
        "reload rejected: " + *why + "; the running services are unchanged");
    return r.errors.empty() ? why : r.errors.front().Format();
  }
  for (const core::Action& a : supervisor_.Reload(r.plan.services, os::Now(), os::WallMillis())) {
    Execute(a);
  }
  return std::nullopt;
}

// All or nothing: errors, too few fds left for what it adds (it would run
// out half-way), an address that does not bind. Nullopt: it is applied.
std::optional<std::string> Runner::Rejected(const PlanResult& r) {
  for (const spec::Diagnostic& d : r.errors) Log(core::LogLevel::kError, d.Format());
  if (!r.errors.empty()) return std::to_string(r.errors.size()) + " error(s)";
  if (auto shortage = FdShortage(supervisor_.services(), r.plan.services, true)) return shortage;
  if (auto st = sockets_.Hold(r.plan.services); !st) return st.Err().Describe();
  return std::nullopt;
}

// The events queued so far, not those they cause: a chain that feeds
// itself (an exec failure restarted at once, over and over) must still let
// the loop read signals and requests between its links.
void Runner::ProcessEvents() {
  for (size_t batch = queue_.size(); batch > 0 && !queue_.empty() && !exit_code_; --batch) {
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
    case core::Action::Kind::kScan:
      daemons_->Scan(a.service, Spec(a.service),
                     supervisor_.services()[a.service].state == core::State::kIdle);
      break;
    case core::Action::Kind::kRelease: daemons_->Release(a.service, a.signal); break;
    case core::Action::Kind::kRunStop: DoRunStop(a.service); break;
    case core::Action::Kind::kSignalService: DoSignalService(a.service, a.signal); break;
    case core::Action::Kind::kSignalAll: os::SignalDescendants(a.signal); break;
    case core::Action::Kind::kReload: (void)Reload(); break;
    case core::Action::Kind::kLog: Log(a.level, a.text); break;
    case core::Action::Kind::kExit: exit_code_ = a.code; break;
    case core::Action::Kind::kProbe: DoProbe(a); break;
    case core::Action::Kind::kCancelProbe: probes_->Cancel(a.service, a.probe); break;
    case core::Action::Kind::kFree: DoFree(a.service); break;
    case core::Action::Kind::kEvent: events_->Publish(*a.event); break;
  }
}

// A service a reload removed is down: every fd and buffer it had goes now,
// so that reloads cost nothing in the long run (its slot is reused). Its
// stored fds stay while its name does (a new instance replaced it).
void Runner::DoFree(size_t i) {
  probes_->Cancel(i, core::ProbeKind::kLiveness);
  probes_->Cancel(i, core::ProbeKind::kReadiness);
  daemons_->Unwatch(i);
  children_->Free(i);
  output_->Forget(i);
  env_files_.Forget(i);
  if (!views_->Find(Spec(i).name)) fd_store_.Forget(Spec(i).name);
}

os::SpawnRequest Runner::Request(const spec::ServiceSpec& spec, const spec::CommandLine& command,
                                 size_t i) {
  SpawnContext ctx;
  ctx.tend_env = tend_env_;
  ctx.env_file = env_files_.Of(i);  // as read at this run's start
  if (spec.SpeaksSdNotify()) ctx.notify_socket = notify_->SocketName();
  ctx.fds = output_->ChildFds(i);
  ctx.nofile = nofile_at_start_;
  ctx.nofile_hard_now = os::FdHardLimit();
  return BuildSpawnRequest(spec, command, ctx);
}

void Runner::DoSpawn(size_t i) {
  const spec::ServiceSpec& spec = Spec(i);
  daemons_->Unwatch(i);  // a new start: whatever it watched before is not its daemon
  if (auto st = output_->Prepare(i, spec, core::SlotNames(supervisor_)); !st) {
    Log(core::LogLevel::kError, spec.name + ": " + st.Err().Describe());
  }
  if (auto failed = env_files_.Load(i, spec)) return queue_.push_back(std::move(*failed));
  os::SpawnRequest req = Request(spec, spec.command, i);
  // The main process only: not probes, not stop commands.
  sockets_.PassTo(spec.name, req, fd_store_.Of(spec.name));
  children_->Spawn(i, spec.name, std::move(req), spec.notify_fd);
}

// stop_command runs beside the service, as its user, output under its name.
void Runner::DoRunStop(size_t i) {
  const spec::ServiceSpec& spec = Spec(i);
  if (auto st = children_->RunStop(i, Request(spec, *spec.stop_command, i)); !st) {
    return queue_.push_back(core::Event::StopCommandFailed(i, st.Err().Describe()));
  }
  Log(core::LogLevel::kInfo,
      spec.name + ": running stop command '" + spec.stop_command->line + "'");
}

void Runner::DoSignalService(size_t i, int sig) {
  if (auto st = children_->Signal(i, sig); !st) {
    Log(core::LogLevel::kWarn, Spec(i).name + ": " + st.Err().Describe());
  }
  daemons_->Signal(i, sig);
}

// Exec probes run as the service's user, in its directory and environment,
// with their output dropped (a failing probe says why by its exit status).
void Runner::DoProbe(const core::Action& a) {
  const spec::ProbeSpec* probe = supervisor_.ProbeOf(a.service, a.probe);
  if (!probe) return;
  probes_->Start(a.service, a.probe, a.run, *probe, [&] {
    os::SpawnRequest req = Request(Spec(a.service), probe->command, a.service);
    req.stdout_fd = req.stderr_fd = dev_null_.Get();
    req.extra_fd = req.extra_target = -1;
    return req;
  });
}

}  // namespace app
