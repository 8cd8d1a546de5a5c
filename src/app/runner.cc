#include "app/runner.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include "os/process.h"
#include "os/reaper.h"
#include "os/spawn.h"

namespace app {
namespace {

// An epoll tag: what kind of fd it is, and for which service and stream.
enum Kind : uint64_t { kSignalFd = 1, kTimerFd, kPidFd, kPipe, kWriter };

uint64_t Tag(Kind kind, size_t service = 0, int stream = 0) {
  return (static_cast<uint64_t>(kind) << 56) | (static_cast<uint64_t>(service) << 1) |
         static_cast<uint64_t>(stream);
}
Kind TagKind(uint64_t tag) { return static_cast<Kind>(tag >> 56); }
size_t TagService(uint64_t tag) { return (tag & ((1ULL << 56) - 1)) >> 1; }
int TagStream(uint64_t tag) { return static_cast<int>(tag & 1); }

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
    case kSignalFd:
      OnSignals();
      break;
    case kTimerFd:
      timer_.Acknowledge();
      queue_.push_back(core::Event::Timer());
      break;
    case kPidFd:
      Reap();
      break;
    case kPipe:
      OnPipe(TagService(tag), static_cast<Stream>(TagStream(tag)));
      break;
    case kWriter:
      OnWriterReady(static_cast<Stream>(TagStream(tag)));
      break;
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
      orphans = true;
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
    case core::Action::Kind::kSpawn:
      DoSpawn(a.service);
      break;
    case core::Action::Kind::kSignalService:
      DoSignalService(a.service, a.signal);
      break;
    case core::Action::Kind::kSignalAll:
      os::SignalDescendants(a.signal);
      break;
    case core::Action::Kind::kLog:
      Log(a.level, a.text);
      break;
    case core::Action::Kind::kExit:
      exit_code_ = a.code;
      break;
  }
}

void Runner::DoSpawn(size_t i) {
  const spec::ServiceSpec& spec = options_.services[i];
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
  io_[i].pidfd = std::move(child->pidfd);
  if (io_[i].pidfd) (void)epoll_.Add(io_[i].pidfd.Get(), EPOLLIN, Tag(kPidFd, i));
  queue_.push_back(core::Event::Spawned(i, child->pid));
}

void Runner::DoSignalService(size_t i, int sig) {
  if (io_[i].pid <= 0) return;
  if (auto st = os::SignalGroup(io_[i].pid, io_[i].pidfd.Get(), sig); !st) {
    Log(core::LogLevel::kWarn, options_.services[i].name + ": " + st.Err().Describe());
  }
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
