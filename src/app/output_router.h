// OutputRouter: where every service's stdout and stderr go, and tend's own
// log lines. A stream in "prefix" mode is a pipe tend reads, splits into
// lines and writes to its own stdout/stderr as "name | line" (or JSON); in
// "file" mode the lines go to a rotating file; "inherit" hands the service
// tend's own fd; "null" gives it /dev/null.
//
// tend's stdout/stderr are written without blocking: when a writer holds
// more than its high mark, the pipes that feed it leave epoll until it
// drains (back-pressure), and it asks for EPOLLOUT only while it holds
// unwritten bytes. When one of them fails for good (its reader is gone),
// tend says so once on the other and drops that stream's output from then
// on; services are never held back by a dead reader.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "config/options.h"
#include "config/service_spec.h"
#include "core/supervisor.h"
#include "logs/line_ring.h"
#include "logs/line_splitter.h"
#include "logs/log_limiter.h"
#include "logs/plain_batch.h"
#include "logs/prefixer.h"
#include "logs/syslog_message.h"
#include "os/epoll.h"
#include "os/fd_writer.h"
#include "os/pipe.h"
#include "os/rotating_file.h"

namespace app {

struct OutputStyle {
  bool colour = false;
  bool json = false;
  bool timestamps = false;
  core::LogLevel threshold = core::LogLevel::kInfo;
};

// Colours only on a terminal, and not with NO_COLOR or TERM=dumb; the
// threshold from -v/-q.
OutputStyle StyleFor(spec::LogFormat format, bool timestamps, spec::Verbosity verbosity);
// Whether some service shares tend's own stdout or stderr.
bool AnyInherit(const std::vector<spec::ServiceSpec>& services);

// One syslog message, for OutputRouter::Syslog.
struct SyslogEntry {
  std::optional<size_t> service;  // whose it is; none: the sender is no service
  std::string_view name;          // the name its line goes under
  logs::SyslogMessage message;    // views into the datagram
  size_t kept = 0, whole = 0;     // bytes of the datagram read, and sent
};

class OutputRouter {
 public:
  OutputRouter(os::Epoll& epoll, OutputStyle style, bool any_inherit);

  // Makes service i's streams match its spec (pipes, files) and refreshes
  // the name column. Call before each start of the service.
  base::Status Prepare(size_t i, const spec::ServiceSpec& spec,
                       const std::vector<std::string>& names);
  // The fds the child gets as stdout and stderr (-1: tend's own).
  std::array<int, 2> ChildFds(size_t i) const;

  // Closes service i's pipes and files and forgets its lines: its slot is
  // free (a service removed by a reload, once it is down).
  void Forget(size_t i);
  // Reads what service i wrote so far and flushes partial lines: before
  // its exit is logged, so its last words come first.
  void Drain(size_t i);
  void Log(core::LogLevel level, const std::string& text);
  // Syslog messages, each one line on tend's stdout (err and worse on its
  // stderr), written together; a service's also go to its ring and to
  // `logs -f` like its output.
  void Syslog(const std::vector<SyslogEntry>& entries);
  // Whether either of tend's streams holds more than its high mark: then a
  // reader that cannot be paused by a pipe (the syslog socket) should stop
  // reading until `drained` is called.
  bool Full() const;
  void OnDrained(std::function<void()> drained) { drained_ = std::move(drained); }
  // A warning that may come in floods: at most a few lines per `cause` per
  // window, then a count (logs::LogLimiter).
  void Warn(const std::string& cause, const std::string& text);

  // Every line a service writes, as a JSON object, also goes to a bounded
  // ring (for `tendctl logs`) and to this callback (for `logs -f`).
  // The ring keeps whole read batches, not lines, so that keeping it costs
  // one copy per batch; JSON is made only when asked for.
  // `since`: only lines read at or after that time (base::FormatUtc's form).
  std::vector<std::string> Recent(size_t i, size_t n, std::string_view since = {}) const;
  // The last n lines of several services (an instance group's), in the
  // order they were read.
  std::vector<std::string> Recent(const std::vector<size_t>& services, size_t n) const;
  // Service i's name as its lines carry it ("" for a removed one).
  const std::string& Name(size_t i) const {
    static const std::string kNone;
    return i < names_.size() ? names_[i] : kNone;
  }
  // Whether service i's ring has let older lines go.
  bool Forgot(size_t i) const { return i < services_.size() && services_[i].ring.Forgot(); }
  // `wants(i)` says whether anyone follows service i right now.
  void OnLine(std::function<bool(size_t)> wants,
              std::function<void(size_t, const std::string&)> fn) {
    wants_line_ = std::move(wants);
    on_line_ = std::move(fn);
  }
  // At exit: writes what is left, waiting at most `max_wait` in all.
  void Finish(base::Duration max_wait);

 private:
  struct Stream {
    spec::OutputSpec spec;
    os::Pipe pipe;  // prefix and file modes
    logs::LineSplitter splitter;
    os::IoWatch watch;  // after pipe: unregistered before the pipe closes
    std::unique_ptr<os::RotatingFile> file;
    uint64_t lost = 0;  // lines the file could not take since it last could
    bool paused = false;
  };
  static constexpr size_t kRingBytes = size_t{64} * 1024;  // per service
  struct ServiceStreams {
    std::array<Stream, 2> streams;
    logs::LineRing ring{kRingBytes};
  };

  void OnReadable(size_t i, int k);
  void OnWritable(int k);
  void CheckBroken(int k);
  void Resume(int k);
  size_t Read(size_t i, int k, size_t max);
  // Formats a read's lines (into chunk_ for the ring too); what to write.
  std::string_view Split(size_t i, int k, std::string_view bytes);
  void Emit(size_t i, int k, std::string_view line, std::string& batch);
  void WriteFile(size_t i, int k, std::string_view text);
  void Append(int k, std::string_view bytes);
  void Watch(int k);
  std::string Now() const;
  void Remember(size_t i, int k, std::string_view line);
  void Keep(size_t i, int k);  // the batch's lines into the ring
  // Service i's last n lines as JSON, oldest first, each with its read time.
  std::vector<std::pair<std::string_view, std::string>> RecentTimed(
      size_t i, size_t n, std::string_view since = {}) const;
  static std::string LineJson(const std::string& name, int k, std::string_view time,
                              std::string_view line);

  os::Epoll& epoll_;
  OutputStyle style_;
  std::vector<ServiceStreams> services_;
  std::vector<std::string> names_;
  std::unique_ptr<logs::Prefixer> prefixer_;
  std::unique_ptr<os::FdWriter> writers_[2];
  os::IoWatch writer_watch_[2];         // unset where the fd cannot be polled
  bool announced_[2] = {false, false};  // its failure was reported
  base::UniqueFd null_;
  std::unique_ptr<char[]> read_buffer_;  // kReadChunk bytes, made at the first read
  std::string batch_, head_;
  logs::PlainBatch plain_;  // a batch's lines in the plain style
  std::string batch_time_;  // the timestamp of the batch being formatted
  std::function<void(size_t, const std::string&)> on_line_;
  std::function<bool(size_t)> wants_line_;
  std::function<void()> drained_;
  std::string syslog_batch_[2], syslog_text_;
  std::string chunk_;  // this batch's lines, for the ring
  logs::LogLimiter warnings_;
};

}  // namespace app
