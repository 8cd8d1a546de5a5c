#include "app/runner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "os/proc_scan.h"
#include "os/process.h"
#include "os/reaper.h"
#include "os/spawn.h"

namespace app {
namespace {

// An epoll tag: what kind of fd it is (8 bits), for which service (24 bits),
// and a stream number or a daemon's pid (32 bits).
enum Kind : uint64_t { kSignalFd = 1, kTimerFd, kPidFd, kPipe, kWriter, kDaemonFd };

uint64_t Tag(Kind kind, size_t service = 0, int low = 0) {
  return (static_cast<uint64_t>(kind) << 56) | (static_cast<uint64_t>(service) << 32) |
         static_cast<uint32_t>(low);
}
Kind TagKind(uint64_t tag) { return static_cast<Kind>(tag >> 56); }
size_t TagService(uint64_t tag) { return (tag >> 32) & 0xFFFFFF; }
int TagStream(uint64_t tag) { return static_cast<int>(tag & 0xFFFFFFFF); }
int TagPid(uint64_t tag) { return static_cast<int>(tag & 0xFFFFFFFF); }

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kDrainLimit = 1024 * 1024;  // per stream, when a service exits

bool WantColour() {
  const char* no_colour = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) && !(no_colour && *no_colour) &&
         !(term && std::string(term) == "dumb");
}

core::Settings SettingsFrom(const spec::Options& o) {
  core::Settings s;
  s.grace = o.grace;
  s.scan_interval = o.scan_interval;
  return s;
}

}  // namespace

base::Result<std::unique_ptr<Runner>> Runner::Create(spec::Options options) {
  auto epoll = os::Epoll::Create();
  if (!epoll) return epoll.Err();
  auto signals = os::SignalFd::Open();
  if (!signals) return signals.Err();
  auto timer = os::TimerFd::Create();
  if (!timer) return timer.Err();
  std::unique_ptr<Runner> r(
      new Runner(std::move(options), std::move(*epoll), std::move(*signals), std::move(*timer)));
  if (auto st = r->Init(); !st) return st.Err();
  return r;
}

Runner::Runner(spec::Options options, os::Epoll epoll, os::SignalFd signals, os::TimerFd timer)
    : options_(options),
      epoll_(std::move(epoll)),
      signals_(std::move(signals)),
      timer_(std::move(timer)),
      supervisor_(options.services, SettingsFrom(options)) {}

base::Status Runner::Init() {
  if (getpid() != 1) {
    if (auto st = os::BecomeSubreaper(); !st) return st;
  }
  // For tests of the fallback taken on kernels without pidfd_open.
  if (const char* v = std::getenv("TEND_NO_PIDFD"); v && *v == '1') {
    pidfds_ = false;
    no_pidfd_reason_ = "TEND_NO_PIDFD=1";
  }
  if (auto st = epoll_.Add(signals_.Fd(), EPOLLIN, Tag(kSignalFd)); !st) return st;
  if (auto st = epoll_.Add(timer_.Fd(), EPOLLIN, Tag(kTimerFd)); !st) return st;
  // With --no-prefix the services share tend's stdout/stderr, so they must
  // stay blocking for them; tend then writes its few log lines blocking too.
  for (int s = 0; s < 2; ++s) {
    writers_[s] =
        std::make_unique<os::FdWriter>(s == 0 ? STDOUT_FILENO : STDERR_FILENO, options_.prefix);
    // Regular files and /dev/null cannot be polled (EPERM) and never block.
    writer_pollable_[s] = options_.prefix && epoll_.Add(writers_[s]->Fd(), 0, Tag(kWriter, 0, s));
  }
  std::vector<std::string> names;
  for (const spec::ServiceSpec& s : options_.services) names.push_back(s.name);
  prefixer_ = std::make_unique<logs::Prefixer>(names, WantColour());
  io_.resize(options_.services.size());
  if (!options_.prefix) return base::OkStatus();
  for (size_t i = 0; i < io_.size(); ++i) {
    for (int s = 0; s < 2; ++s) {
      auto pipe = os::MakeOutputPipe();
      if (!pipe) return pipe.Err();
      io_[i].pipes[s] = std::move(*pipe);
      if (auto st = epoll_.Add(io_[i].pipes[s].read_end.Get(), EPOLLIN, Tag(kPipe, i, s)); !st) {
        return st;
      }
    }
  }
  return base::OkStatus();
}

int Runner::Run() {
  queue_.push_back(core::Event::StartAll());
  ProcessEvents();
  std::vector<epoll_event> events;
  while (!exit_code_) {
    if (auto st = timer_.Arm(supervisor_.NextDeadline()); !st) {
      Log(core::LogLevel::kError, st.Err().Describe());
    }
    if (auto st = epoll_.Wait(events); !st) {
      Log(core::LogLevel::kError, st.Err().Describe() + " (continuing)");
      continue;
    }
    for (const epoll_event& ev : events) Dispatch(ev);
    ProcessEvents();
  }
  for (auto& w : writers_) w->Finish();
  return *exit_code_;
}

void Runner::Dispatch(const epoll_event& ev) {
  uint64_t tag = ev.data.u64;
  switch (TagKind(tag)) {
    case kSignalFd: OnSignals(); break;
    case kTimerFd:
      timer_.Acknowledge();
      queue_.push_back(core::Event::Timer());
      break;
    case kPidFd: Reap(); break;
    case kPipe: OnPipe(TagService(tag), static_cast<Stream>(TagStream(tag))); break;
    case kWriter: OnWriterReady(static_cast<Stream>(TagStream(tag))); break;
    case kDaemonFd: OnDaemonFd(TagService(tag), TagPid(tag)); break;
  }
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
  bool orphans = false;
  for (const os::Reaped& child : r.reaped) {
    size_t i = 0;
    while (i < io_.size() && io_[i].pid != child.pid) ++i;
    if (i == io_.size()) {
      // An adopted daemon is tend's child once its parent exited; its death
      // also makes its pidfd readable. Whichever path sees it first
      // forgets it, so both agree and it is reported once.
      bool daemon = false;
      auto status = core::ExitStatus::FromWaitStatus(child.wait_status);
      for (size_t d = 0; d < io_.size() && !daemon; ++d)
        daemon = ForgetDaemon(d, child.pid, status);
      orphans = orphans || !daemon;
      continue;
    }
    DrainPipes(i);  // everything it wrote is logged before its exit
    if (io_[i].pidfd) epoll_.Remove(io_[i].pidfd.Get());
    io_[i].pidfd.Reset();
    io_[i].pid = 0;
    queue_.push_back(core::Event::Exited(i, core::ExitStatus::FromWaitStatus(child.wait_status)));
  }
  if (orphans) queue_.push_back(core::Event::OrphansReaped());
  if (r.no_children) queue_.push_back(core::Event::NoChildren());
}

void Runner::OnPipe(size_t i, Stream s) {
  if (Writer(s).Full() && writer_pollable_[static_cast<int>(s)]) {
    Pause(i, s);
    return;
  }
  ReadPipe(i, s, kReadChunk);
}

// One read, formatted into one batch, handed to the writer as one write:
// lines of different services never interleave.
size_t Runner::ReadPipe(size_t i, Stream s, size_t max) {
  int k = static_cast<int>(s);
  scratch_.clear();
  size_t n = os::ReadAvailable(io_[i].pipes[k].read_end.Get(), scratch_, max);
  if (n == 0) return 0;
  batch_.clear();
  io_[i].splitters[k].Feed(scratch_,
                           [&](std::string_view line) { prefixer_->Format(i, line, batch_); });
  Append(s, batch_);
  return n;
}

void Runner::DrainPipes(size_t i) {
  if (!options_.prefix) return;
  for (int k = 0; k < 2; ++k) {
    Stream s = static_cast<Stream>(k);
    // Bounded: a descendant still holding the pipe may write forever.
    for (size_t total = 0; total < kDrainLimit;) {
      size_t n = ReadPipe(i, s, kReadChunk);
      if (n == 0) break;
      total += n;
    }
    batch_.clear();
    io_[i].splitters[k].Flush([&](std::string_view line) { prefixer_->Format(i, line, batch_); });
    if (!batch_.empty()) Append(s, batch_);
  }
}

void Runner::Pause(size_t i, Stream s) {
  int k = static_cast<int>(s);
  io_[i].paused[k] = true;
  (void)epoll_.Modify(io_[i].pipes[k].read_end.Get(), 0, Tag(kPipe, i, k));
}

void Runner::Append(Stream s, std::string_view bytes) {
  Writer(s).Append(bytes);
  WatchWriter(s);
}

// Asks epoll for EPOLLOUT exactly while the writer holds unwritten bytes:
// an idle writer costs no wakeups, a pending one is never forgotten.
void Runner::WatchWriter(Stream s) {
  int k = static_cast<int>(s);
  bool want = Writer(s).Pending() && writer_pollable_[k];
  if (want == writer_waiting_[k]) return;
  writer_waiting_[k] = want;
  (void)epoll_.Modify(Writer(s).Fd(), want ? uint32_t{EPOLLOUT} : 0u, Tag(kWriter, 0, k));
}

void Runner::OnWriterReady(Stream s) {
  int k = static_cast<int>(s);
  Writer(s).Flush();
  WatchWriter(s);
  if (!Writer(s).Drained()) return;
  for (size_t i = 0; i < io_.size(); ++i) {
    if (!io_[i].paused[k]) continue;
    io_[i].paused[k] = false;
    (void)epoll_.Modify(io_[i].pipes[k].read_end.Get(), EPOLLIN, Tag(kPipe, i, k));
  }
}

void Runner::ProcessEvents() {
  while (!queue_.empty() && !exit_code_) {
    core::Event e = std::move(queue_.front());
    queue_.pop_front();
    for (const core::Action& a : supervisor_.Handle(e, os::Now())) Execute(a);
  }
}

void Runner::Execute(const core::Action& a) {
  switch (a.kind) {
    case core::Action::Kind::kSpawn: DoSpawn(a.service); break;
    case core::Action::Kind::kScan: DoScan(a.service); break;
    case core::Action::Kind::kRelease: DoRelease(a.service, a.signal); break;
    case core::Action::Kind::kSignalService: DoSignalService(a.service, a.signal); break;
    case core::Action::Kind::kSignalAll: os::SignalDescendants(a.signal); break;
    case core::Action::Kind::kLog: Log(a.level, a.text); break;
    case core::Action::Kind::kExit: exit_code_ = a.code; break;
  }
}

void Runner::DoSpawn(size_t i) {
  const spec::ServiceSpec& spec = options_.services[i];
  Unwatch(i);  // a new start: whatever it watched before is not its daemon
  os::SpawnRequest req;
  req.argv = spec.command.Argv();
  req.stdout_fd = io_[i].pipes[0].write_end.Get();
  req.stderr_fd = io_[i].pipes[1].write_end.Get();
  auto child = os::Spawn(req);
  if (!child) {
    const base::Error& err = child.Err();
    queue_.push_back(core::Event::ExecFailed(
        i, core::ExitStatus::Code(os::ExecFailureCode(err.err)), err.Describe()));
    return;
  }
  io_[i].pid = child->pid;
  io_[i].pgid = child->pid;
  io_[i].pidfd = std::move(child->pidfd);
  if (io_[i].pidfd) (void)epoll_.Add(io_[i].pidfd.Get(), EPOLLIN, Tag(kPidFd, i));
  queue_.push_back(core::Event::Spawned(i, child->pid));
}

void Runner::DoSignalService(size_t i, int sig) {
  if (io_[i].pid > 0) {
    if (auto st = os::SignalGroup(io_[i].pid, io_[i].pidfd.Get(), sig); !st) {
      Log(core::LogLevel::kWarn, options_.services[i].name + ": " + st.Err().Describe());
    }
  }
  for (const Watched& w : io_[i].daemons) os::SignalDaemon(w.pid, w.pidfd.Get(), sig);
}

// Every pid and group another service runs or watches: never a candidate
// for service i's daemon.
core::Ownership Runner::OwnershipExcept(size_t i) const {
  core::Ownership owned;
  owned.self = getpid();
  owned.whole_table = owned.self == 1;
  for (size_t j = 0; j < io_.size(); ++j) {
    if (io_[j].pid > 0) owned.taken.insert(io_[j].pid);
    if (j == i) continue;
    // Processes left in another service's start group are that service's,
    // even after its start command exited (a daemon that never setsid()s).
    if (io_[j].pgid > 0) owned.groups.insert(io_[j].pgid);
    for (const Watched& w : io_[j].daemons) owned.taken.insert(w.pid);
  }
  return owned;
}

void Runner::DoScan(size_t i) {
  const spec::ServiceSpec& spec = options_.services[i];
  std::vector<core::ProcInfo> table = os::ScanProcesses();
  core::Ownership owned = OwnershipExcept(i);
  if (!spec.command.needs_shell) owned.script = spec.command.words[0];
  std::vector<int> pids;
  if (spec.match.kind == spec::MatchRule::Kind::kPidfile) {
    auto pid = os::ReadPidfile(spec.match.pattern);
    if (pid && !owned.taken.count(*pid) && *pid != owned.self) pids.push_back(*pid);
  } else {
    pids = core::FindDaemon(spec.match, table, owned);
  }
  std::set<int> mains;
  for (const ServiceIo& io : io_) {
    if (io.pid > 0) mains.insert(io.pid);
  }
  bool leftovers = core::HasLeftovers(table, owned, mains);
  Watch(i, pids, table);
  std::string list;
  for (const Watched& w : io_[i].daemons) {
    if (!list.empty()) list += ' ';
    list += std::to_string(w.pid);
  }
  queue_.push_back(
      core::Event::Scanned(i, static_cast<int>(io_[i].daemons.size()), list, leftovers, !pidfds_));
}

// Watches `pids` for service i, on top of those it already watches (a
// daemon's later processes join the set). Without pidfds the scan is the
// only truth, so the set is replaced.
void Runner::Watch(size_t i, std::vector<int> pids, const std::vector<core::ProcInfo>& table) {
  auto& ds = io_[i].daemons;
  if (!pidfds_) Unwatch(i);
  std::set<int> all(pids.begin(), pids.end());
  for (const Watched& w : ds) all.insert(w.pid);
  std::set<int> roots = core::DaemonRoots({all.begin(), all.end()}, table);
  for (Watched& w : ds) w.root = roots.count(w.pid) > 0;
  for (int pid : pids) {
    if (std::any_of(ds.begin(), ds.end(), [pid](const Watched& w) { return w.pid == pid; })) {
      continue;
    }
    Watched w{pid, {}, roots.count(pid) > 0};
    if (pidfds_) {
      auto fd = os::PidfdOpen(pid);
      if (!fd && fd.Err().err == ESRCH) continue;  // gone since the scan
      if (!fd && fd.Err().err == ENOSYS) {
        pidfds_ = false;
        no_pidfd_reason_ = "pidfd_open is not available on this kernel";
      } else if (!fd) {
        Log(core::LogLevel::kWarn, options_.services[i].name + ": " + fd.Err().Describe());
        continue;
      } else {
        w.pidfd = std::move(*fd);
        (void)epoll_.Add(w.pidfd.Get(), EPOLLIN, Tag(kDaemonFd, i, pid));
      }
    }
    io_[i].daemons.push_back(std::move(w));
  }
  if (!pidfds_ && !no_pidfd_reason_.empty() && !io_[i].daemons.empty()) {
    Log(core::LogLevel::kWarn, no_pidfd_reason_ + ": adopted daemons are looked for again every " +
                                   base::FormatDuration(options_.scan_interval) +
                                   " instead (--scan-interval)");
    no_pidfd_reason_.clear();  // once
  }
}

void Runner::Unwatch(size_t i) {
  for (Watched& w : io_[i].daemons) {
    if (w.pidfd) epoll_.Remove(w.pidfd.Get());
  }
  io_[i].daemons.clear();
}

// Drops one watched daemon process; reports the service's daemon gone when
// it was the last. False when service i did not watch `pid`.
bool Runner::ForgetDaemon(size_t i, int pid, std::optional<core::ExitStatus> status) {
  auto& ds = io_[i].daemons;
  auto it = std::find_if(ds.begin(), ds.end(), [pid](const Watched& w) { return w.pid == pid; });
  if (it == ds.end()) return false;
  if (it->pidfd) epoll_.Remove(it->pidfd.Get());
  bool root = it->root;
  ds.erase(it);
  bool roots_left = std::any_of(ds.begin(), ds.end(), [](const Watched& w) { return w.root; });
  if (root && !roots_left) {
    queue_.push_back(core::Event::DaemonGone(i, pid, status, static_cast<int>(ds.size())));
  }
  return true;
}

void Runner::DoRelease(size_t i, int sig) {
  for (const Watched& w : io_[i].daemons) os::SignalDaemon(w.pid, w.pidfd.Get(), sig);
  Unwatch(i);
}

void Runner::OnDaemonFd(size_t i, int pid) {
  Reap();  // when the daemon was tend's child, this finds its exit status
  ForgetDaemon(i, pid, std::nullopt);
}

void Runner::Log(core::LogLevel level, const std::string& text) {
  core::LogLevel threshold =
      options_.verbosity == spec::Verbosity::kVerbose ? core::LogLevel::kDebug
      : options_.verbosity == spec::Verbosity::kQuiet ? core::LogLevel::kWarn
                                                      : core::LogLevel::kInfo;
  if (level < threshold) return;
  batch_.clear();
  logs::Prefixer::FormatOwn(text, batch_);
  Append(Stream::kErr, batch_);
}

}  // namespace app
