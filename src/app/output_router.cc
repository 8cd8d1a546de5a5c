#include "app/output_router.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <iterator>

#include "base/clock.h"
#include "logs/syslog_line.h"
#include "os/files.h"
#include "os/process.h"
#include "os/timer_fd.h"

namespace app {
namespace {

constexpr size_t kReadChunk = size_t{64} * 1024;
constexpr size_t kDrainLimit = size_t{1024} * 1024;  // per stream, when a service exits
constexpr const char* kStreamNames[] = {"stdout", "stderr"};

const char* LevelName(core::LogLevel level) {
  switch (level) {
    case core::LogLevel::kDebug: return "debug";
    case core::LogLevel::kInfo: return "info";
    case core::LogLevel::kWarn: return "warn";
    case core::LogLevel::kError: return "error";
  }
  return "info";
}

bool NeedsPipe(const spec::OutputSpec& o) {
  return o.mode == spec::OutputSpec::Mode::kPrefix || o.mode == spec::OutputSpec::Mode::kFile;
}

bool WantColour() {
  const char* no_colour = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return os::IsTerminal(STDOUT_FILENO) && !(no_colour && *no_colour) &&
         !(term && std::string(term) == "dumb");
}

}  // namespace

OutputStyle StyleFor(spec::LogFormat format, bool timestamps, spec::Verbosity verbosity) {
  OutputStyle style;
  style.colour = WantColour() && format == spec::LogFormat::kPlain;
  style.json = format == spec::LogFormat::kJson;
  style.timestamps = timestamps;
  style.threshold = verbosity == spec::Verbosity::kVerbose ? core::LogLevel::kDebug
                    : verbosity == spec::Verbosity::kQuiet ? core::LogLevel::kWarn
                                                           : core::LogLevel::kInfo;
  return style;
}

bool AnyInherit(const std::vector<spec::ServiceSpec>& services) {
  return std::any_of(services.begin(), services.end(), [](const spec::ServiceSpec& s) {
    return s.out.mode == spec::OutputSpec::Mode::kInherit ||
           s.err.mode == spec::OutputSpec::Mode::kInherit;
  });
}

OutputRouter::OutputRouter(os::Epoll& epoll, OutputStyle style, bool any_inherit)
    : epoll_(epoll), style_(style) {
  // When a service shares tend's stdout/stderr, that open file must stay
  // blocking for it; tend then writes blocking too (its lines are few).
  for (int k = 0; k < 2; ++k) {
    writers_[k] =
        std::make_unique<os::FdWriter>(k == 0 ? STDOUT_FILENO : STDERR_FILENO, !any_inherit);
  }
  // Regular files and /dev/null cannot be polled (EPERM) and never block.
  for (int k = 0; k < 2; ++k) {
    if (any_inherit) continue;
    auto watch = epoll_.Add(writers_[k]->Fd(), 0, [this, k](uint32_t) { OnWritable(k); });
    if (watch) writer_watch_[k] = std::move(*watch);
  }
  null_ = os::OpenDevNull();
  prefixer_ = std::make_unique<logs::Prefixer>(
      names_, logs::LineStyle{style.colour, style.json, style.timestamps});
}

base::Status OutputRouter::Prepare(size_t i, const spec::ServiceSpec& spec,
                                   const std::vector<std::string>& names) {
  if (names != names_) {
    names_ = names;
    prefixer_ = std::make_unique<logs::Prefixer>(
        names_, logs::LineStyle{style_.colour, style_.json, style_.timestamps});
  }
  if (services_.size() <= i) services_.resize(i + 1);
  const spec::OutputSpec* specs[2] = {&spec.out, &spec.err};
  for (int k = 0; k < 2; ++k) {
    Stream& st = services_[i].streams[static_cast<size_t>(k)];
    st.spec = *specs[k];
    if (NeedsPipe(st.spec) && !st.pipe.read_end) {
      auto pipe = os::MakeOutputPipe();
      if (!pipe) return pipe.Err();
      auto watch =
          epoll_.Add(pipe->read_end.Get(), EPOLLIN, [this, i, k](uint32_t) { OnReadable(i, k); });
      if (!watch) return watch.Err();
      st.pipe = std::move(*pipe);
      st.watch = std::move(*watch);
    }
    if (st.spec.mode == spec::OutputSpec::Mode::kFile) {
      st.file = std::make_unique<os::RotatingFile>(st.spec.path, st.spec.max_size, st.spec.keep);
    } else {
      st.file.reset();
    }
  }
  return base::OkStatus();
}

std::array<int, 2> OutputRouter::ChildFds(size_t i) const {
  std::array<int, 2> fds{-1, -1};
  if (i >= services_.size()) return fds;
  for (int k = 0; k < 2; ++k) {
    const Stream& st = services_[i].streams[static_cast<size_t>(k)];
    switch (st.spec.mode) {
      case spec::OutputSpec::Mode::kInherit: fds[static_cast<size_t>(k)] = -1; break;
      case spec::OutputSpec::Mode::kNull: fds[static_cast<size_t>(k)] = null_.Get(); break;
      default: fds[static_cast<size_t>(k)] = st.pipe.write_end.Get();
    }
  }
  return fds;
}

void OutputRouter::OnReadable(size_t i, int k) {
  Stream& st = services_[i].streams[static_cast<size_t>(k)];
  bool to_tend = st.spec.mode == spec::OutputSpec::Mode::kPrefix;
  if (to_tend && writers_[k]->Full() && writer_watch_[k]) {
    st.paused = true;  // back-pressure: the service blocks on its full pipe
    (void)st.watch.Modify(0);
    return;
  }
  // Up to four chunks per wake-up: fewer wake-ups, still fair to others.
  for (int n = 0; n < 4 && Read(i, k, kReadChunk) == kReadChunk; ++n) {
    if (to_tend && writers_[k]->Full()) break;
  }
}

// One read, formatted into one batch, written as one write: lines of
// different services never interleave.
size_t OutputRouter::Read(size_t i, int k, size_t max) {
  Stream& st = services_[i].streams[static_cast<size_t>(k)];
  if (!read_buffer_) read_buffer_ = std::make_unique<char[]>(kReadChunk);
  size_t n = os::ReadSome(st.pipe.read_end.Get(), read_buffer_.get(), std::min(max, kReadChunk));
  if (n == 0) return 0;
  batch_time_ = Now();
  std::string_view out = Split(i, k, std::string_view(read_buffer_.get(), n));
  Keep(i, k);
  if (!st.file) Append(k, out);
  return n;
}

// Every byte a service writes passes here. Plain lines to tend's stdout
// (the common case) are prefixed by copying a head made once per batch and
// the line with its newline; the ring copies runs of whole lines at once.
std::string_view OutputRouter::Split(size_t i, int k, std::string_view bytes) {
  Stream& st = services_[i].streams[static_cast<size_t>(k)];
  bool follow = on_line_ && wants_line_ && wants_line_(i);
  if (st.file || prefixer_->json() || follow) {
    batch_.clear();
    st.splitter.Feed(bytes, [&](std::string_view line) { Emit(i, k, line, batch_); });
    return batch_;
  }
  head_.clear();
  prefixer_->AppendPlainHead(i, batch_time_, head_);
  plain_.Clear();
  const char* run = bytes.data();  // whole lines from here to `run_end` go to the ring as one
  const char* run_end = run;
  st.splitter.Feed(bytes, [&](std::string_view line) {
    bool in_read = st.splitter.Pending() == 0;  // a view into `bytes`, its '\n' after it
    plain_.Add(head_, line, in_read);
    if (in_read && line.data() == run_end) {
      run_end = line.data() + line.size() + 1;
      return;
    }
    chunk_.append(run, run_end);
    if (in_read) {
      run = line.data();
      run_end = line.data() + line.size() + 1;
    } else {
      chunk_.append(line) += '\n';
      run = run_end = nullptr;  // the next line in the read starts a new run
    }
  });
  chunk_.append(run, run_end);
  return plain_.View();
}

void OutputRouter::Emit(size_t i, int k, std::string_view line, std::string& batch) {
  const Stream& st = services_[i].streams[static_cast<size_t>(k)];
  Remember(i, k, line);
  if (st.file) {  // line by line, so rotation keeps every file under max_size
    std::string text = style_.timestamps ? Now() + " " : "";
    text.append(line);
    text += '\n';
    WriteFile(i, k, text);
    return;
  }
  prefixer_->Format(i, kStreamNames[k], line, batch_time_, batch, !st.splitter.InPiece());
}

// A file that cannot be written (a full disk, a missing directory) costs
// the line, never tend; it is said (rate-limited), and so is the recovery.
void OutputRouter::WriteFile(size_t i, int k, std::string_view text) {
  Stream& st = services_[i].streams[static_cast<size_t>(k)];
  base::Status written = st.file->Write(text);
  if (written && st.lost == 0) return;
  std::string what =
      (i < names_.size() ? names_[i] : "?") + ": " + kStreamNames[k] + " file " + st.file->path();
  if (!written) {
    ++st.lost;
    Warn(what, what + ": " + written.Err().Describe() + "; line dropped");
  } else if (st.lost > 0) {
    Log(core::LogLevel::kWarn,
        what + ": written again; " + std::to_string(st.lost) + " line(s) were dropped");
    st.lost = 0;
  }
}

std::string OutputRouter::LineJson(const std::string& name, int k, std::string_view time,
                                   std::string_view line) {
  std::string obj;
  logs::AppendJsonLine(obj, time, name, kStreamNames[k], "", line);
  return obj;
}

void OutputRouter::Remember(size_t i, int k, std::string_view line) {
  chunk_.append(line);
  chunk_ += '\n';
  if (on_line_ && wants_line_ && wants_line_(i)) {
    on_line_(i, LineJson(i < names_.size() ? names_[i] : "", k, batch_time_, line));
  }
}

void OutputRouter::Keep(size_t i, int k) { services_[i].ring.Keep(k, batch_time_, chunk_); }

std::vector<std::pair<std::string_view, std::string>> OutputRouter::RecentTimed(
    size_t i, size_t n, std::string_view since) const {
  std::vector<std::pair<std::string_view, std::string>> out;
  if (i >= services_.size()) return out;
  const std::string& name = i < names_.size() ? names_[i] : "";
  for (const logs::LineRing::Line& l : services_[i].ring.Last(n, since)) {
    out.emplace_back(l.time, LineJson(name, l.stream, l.time, l.text));
  }
  return out;
}

std::vector<std::string> OutputRouter::Recent(size_t i, size_t n, std::string_view since) const {
  std::vector<std::string> out;
  for (auto& [time, line] : RecentTimed(i, n, since)) out.push_back(std::move(line));
  return out;
}

std::vector<std::string> OutputRouter::Recent(const std::vector<size_t>& services, size_t n) const {
  std::vector<std::pair<std::string_view, std::string>> all;
  for (size_t i : services) {
    auto lines = RecentTimed(i, n);
    std::move(lines.begin(), lines.end(), std::back_inserter(all));
  }
  // Times are fixed-width UTC text: their order is the text's. A service's
  // lines of one millisecond keep their order.
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  out.reserve(std::min(n, all.size()));
  for (size_t k = all.size() > n ? all.size() - n : 0; k < all.size(); ++k) {
    out.push_back(std::move(all[k].second));
  }
  return out;
}

void OutputRouter::Drain(size_t i) {
  if (i >= services_.size()) return;
  for (int k = 0; k < 2; ++k) {
    Stream& st = services_[i].streams[static_cast<size_t>(k)];
    if (!st.pipe.read_end) continue;
    // Bounded: a descendant still holding the pipe may write forever.
    for (size_t total = 0; total < kDrainLimit;) {
      size_t n = Read(i, k, kReadChunk);
      if (n == 0) break;
      total += n;
    }
    batch_.clear();
    batch_time_ = Now();
    st.splitter.Flush([&](std::string_view line) { Emit(i, k, line, batch_); });
    Keep(i, k);
    if (!batch_.empty()) Append(k, batch_);
  }
}

void OutputRouter::Append(int k, std::string_view bytes) {
  writers_[k]->Append(bytes);
  Watch(k);
  CheckBroken(k);
}

void OutputRouter::Watch(int k) {
  (void)writer_watch_[k].Modify(writers_[k]->Pending() ? uint32_t{EPOLLOUT} : 0u);
}

// Also called on EPOLLERR (the reader went away): the write then fails
// and the writer breaks; the loop takes the fd out of epoll after this.
void OutputRouter::OnWritable(int k) {
  writers_[k]->Flush();
  Watch(k);
  CheckBroken(k);
  if (writers_[k]->Drained()) Resume(k);
}

// A stream that cannot be written any more is dropped, once: tend stops
// watching it, lets the services it held back go on, and says so on the
// other stream (if that one still works).
void OutputRouter::CheckBroken(int k) {
  if (!writers_[k]->Broken() || announced_[k]) return;
  announced_[k] = true;
  writer_watch_[k].Reset();
  Resume(k);
  std::string text = std::string("tend's ") + kStreamNames[k] + " cannot be written (" +
                     writers_[k]->broken_reason() +
                     "); its output is dropped from now on, services go on";
  batch_.clear();
  prefixer_->FormatOwn(LevelName(core::LogLevel::kError), text,
                       style_.json || style_.timestamps ? Now() : "", batch_);
  writers_[1 - k]->Append(batch_);
  Watch(1 - k);
}

void OutputRouter::Syslog(const std::vector<SyslogEntry>& entries) {
  batch_time_ = Now();
  for (const SyslogEntry& e : entries) {
    int k = logs::SyslogToStderr(e.message) ? 1 : 0;
    std::string& out = syslog_batch_[k];
    syslog_text_.clear();
    logs::AppendSyslogText(syslog_text_, e.message, e.name, e.kept, e.whole);
    if (style_.json) {
      logs::AppendSyslogJson(out, batch_time_, e.name, e.message, e.kept, e.whole);
      out += '\n';
    } else if (e.service && *e.service < names_.size()) {
      prefixer_->Format(*e.service, kStreamNames[k], syslog_text_, batch_time_, out, false);
    } else {
      prefixer_->FormatNamed(e.name, kStreamNames[k], syslog_text_, batch_time_, out);
    }
    if (!e.service || *e.service >= services_.size()) continue;
    chunk_.append(syslog_text_);
    chunk_ += '\n';
    Keep(*e.service, k);
    if (on_line_ && wants_line_ && wants_line_(*e.service)) {
      std::string json;
      logs::AppendSyslogJson(json, batch_time_, e.name, e.message, e.kept, e.whole);
      on_line_(*e.service, json);
    }
  }
  for (int k = 0; k < 2; ++k) {
    if (syslog_batch_[k].empty()) continue;
    Append(k, syslog_batch_[k]);
    syslog_batch_[k].clear();
  }
}

bool OutputRouter::Full() const {
  for (int k = 0; k < 2; ++k) {
    if (writer_watch_[k] && writers_[k]->Full()) return true;
  }
  return false;
}

void OutputRouter::Resume(int k) {
  if (drained_ && !Full()) drained_();
  for (ServiceStreams& s : services_) {
    Stream& st = s.streams[static_cast<size_t>(k)];
    if (!st.paused) continue;
    st.paused = false;
    (void)st.watch.Modify(EPOLLIN);
  }
}

void OutputRouter::Forget(size_t i) {
  if (i >= services_.size()) return;
  for (Stream& st : services_[i].streams) st.watch.Reset();  // before the pipes close
  services_[i] = ServiceStreams();
}

void OutputRouter::Log(core::LogLevel level, const std::string& text) {
  if (level < style_.threshold) return;
  // Not batch_: a file's write error is logged while a batch is formatted.
  std::string out;
  std::string time = style_.json || style_.timestamps ? Now() : "";
  // Counts of warnings held back in windows that have ended, on the way.
  for (const std::string& summary : warnings_.Expire(os::Now())) {
    prefixer_->FormatOwn(LevelName(core::LogLevel::kWarn), summary, time, out);
  }
  prefixer_->FormatOwn(LevelName(level), text, time, out);
  Append(1, out);
}

void OutputRouter::Warn(const std::string& cause, const std::string& text) {
  for (const std::string& line : warnings_.Admit(cause, text, os::Now())) {
    Log(core::LogLevel::kWarn, line);
  }
}

void OutputRouter::Finish(base::Duration max_wait) {
  base::TimePoint deadline = os::Now() + max_wait;
  size_t dropped = writers_[0]->Finish(max_wait);
  auto left = std::max(base::Duration::zero(), deadline - os::Now());
  if (dropped > 0) {
    Log(core::LogLevel::kWarn, "shutdown: " + std::to_string(dropped) +
                                   " bytes of output could not be written in time; dropped");
  }
  if (size_t lost = writers_[1]->Finish(left); lost > 0 && !writers_[0]->Broken()) {
    std::string text = "tend: " + std::to_string(lost) + " bytes of stderr dropped at exit\n";
    writers_[0]->Append(text);
    writers_[0]->Finish(base::Duration::zero());
  }
}

std::string OutputRouter::Now() const { return base::FormatUtc(os::WallMillis()); }

}  // namespace app
