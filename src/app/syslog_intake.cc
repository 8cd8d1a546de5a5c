#include "app/syslog_intake.h"

#include "core/service_view.h"
#include "core/syslog_sender.h"
#include "logs/syslog_message.h"
#include "os/process.h"
#include "os/timer_fd.h"

namespace app {
namespace {

// How long a sender's service is remembered: long enough that a flood
// costs one lookup, short enough that a reused pid or a reload is seen.
constexpr base::Duration kKnownFor = base::seconds(1);
constexpr size_t kMaxKnown = 256;
constexpr size_t kMaxTag = 64;  // as a service name

// `pid` and its ancestors; empty when it is gone.
std::vector<int> LiveLineage(int pid) {
  if (pid <= 0) return {};
  std::vector<int> lineage = os::Lineage(pid);
  // One entry: its parent is tend, or it is gone.
  if (lineage.size() == 1 && os::ParentOf(pid) < 0) lineage.clear();
  return lineage;
}

}  // namespace

SyslogIntake::SyslogIntake(LoopContext ctx, const DaemonWatch& daemons, Children& children,
                           const core::Supervisor& supervisor, OutputRouter& output)
    : ctx_(std::move(ctx)),
      daemons_(daemons),
      children_(children),
      supervisor_(supervisor),
      output_(output) {}

void SyslogIntake::Start(const std::string& path) {
  if (path.empty()) return;
  auto sock = os::SyslogSocket::Open(path);
  if (!sock) {
    ctx_.log(core::LogLevel::kWarn, "syslog: " + sock.Err().Describe() +
                                        "; messages sent to it do not reach tend (set [tend] "
                                        "syslog, --syslog or TEND_SYSLOG to another path, or "
                                        "\"\" to turn this off)");
    return;
  }
  socket_ = std::move(*sock);
  auto watch = ctx_.epoll.Add(socket_->fd(), EPOLLIN, [this](uint32_t) { OnReadable(); });
  if (!watch) {
    ctx_.log(core::LogLevel::kWarn, "syslog: " + watch.Err().Describe());
    socket_.reset();
    return;
  }
  watch_ = std::move(*watch);
  output_.OnDrained([this] {
    if (stalled_since_) Unstalled(os::Now());
    Pause(false);
  });
  ctx_.log(core::LogLevel::kDebug, "syslog: receiving at " + path);
}

void SyslogIntake::OnReadable() {
  base::TimePoint now = os::Now();
  if (output_.Full()) return Stalled(now);
  if (stalled_since_) Unstalled(now);
  Poll(now);
  entries_.clear();
  for (const os::SyslogDatagram& d : socket_->Receive()) {
    if (!limiter_.Admit(d.pid, now)) {
      ++counters_.dropped;
      continue;
    }
    SyslogEntry e;
    e.message = logs::ParseSyslog(d.text);
    e.kept = d.text.size();
    e.whole = d.size;
    e.service = Sender(d.pid, e.message, now);
    e.name = NameFor(e.service, e.message.tag);
    counters_.truncated += d.size > d.text.size() ? 1 : 0;
    entries_.push_back(e);
  }
  counters_.messages += entries_.size();
  if (!entries_.empty()) output_.Syslog(entries_);
}

// tend's output is backed up: as with pipes, nothing is read, and senders
// wait in the kernel, but for kMaxStall at most (rsyslog's enqueue
// timeout): then what arrives is dropped and counted, so that a stalled
// `docker logs` never holds sshd in syslog() for long.
void SyslogIntake::Stalled(base::TimePoint now) {
  if (!stalled_since_) stalled_since_ = now;
  if (now - *stalled_since_ < kMaxStall) return Pause(true);
  size_t dropped = socket_->Receive().size();
  stall_dropped_ += dropped;
  counters_.dropped += dropped;
}

void SyslogIntake::Unstalled(base::TimePoint now) {
  if (stall_dropped_ > 0) {
    ctx_.log(core::LogLevel::kWarn, "syslog: tend's output was backed up for " +
                                        base::FormatDuration(now - *stalled_since_) + "; " +
                                        std::to_string(stall_dropped_) +
                                        " messages that came after the first " +
                                        base::FormatDuration(kMaxStall) + " were dropped");
  }
  stalled_since_.reset();
  stall_dropped_ = 0;
}

void SyslogIntake::Pause(bool paused) {
  paused_ = paused;
  if (watch_) (void)watch_.Modify(paused ? 0u : uint32_t{EPOLLIN});
}

std::optional<base::TimePoint> SyslogIntake::NextDeadline() const {
  std::optional<base::TimePoint> next = limiter_.NextDeadline();
  if (paused_ && stalled_since_ && (!next || *stalled_since_ + kMaxStall < *next)) {
    next = *stalled_since_ + kMaxStall;
  }
  return next;
}

void SyslogIntake::Poll(base::TimePoint now) {
  if (paused_ && stalled_since_ && now - *stalled_since_ >= kMaxStall) Pause(false);
  for (const logs::SenderLimiter::Dropped& d : limiter_.Expire(now)) {
    std::string who = d.sender == logs::SenderLimiter::kOthers
                          ? "senders beyond the first " + std::to_string(kMaxSenders)
                          : "pid " + std::to_string(d.sender);
    if (auto it = known_.find(d.sender); it != known_.end() && it->second.service) {
      who += " (" + supervisor_.services()[*it->second.service].spec.name + ")";
    }
    ctx_.log(core::LogLevel::kWarn, "syslog: " + who + " sent more than " + std::to_string(kBurst) +
                                        " messages in " + base::FormatDuration(d.window) + "; " +
                                        std::to_string(d.count) + " dropped");
  }
}

// Whose message: looked up in /proc while the sender is alive (most are:
// a daemon, or a logger still exiting), remembered briefly. A sender gone
// already may have named a process that is not (`logger --id=$$` in a
// script names the script).
std::optional<size_t> SyslogIntake::Sender(int pid, const logs::SyslogMessage& m,
                                           base::TimePoint now) {
  if (auto it = known_.find(pid); it != known_.end() && now < it->second.until &&
                                  it->second.service.value_or(0) < supervisor_.services().size()) {
    return it->second.service;
  }
  std::vector<int> lineage = LiveLineage(pid);
  if (lineage.empty() && m.pid && *m.pid != pid) lineage = LiveLineage(*m.pid);
  names_ = core::SlotNames(supervisor_);
  std::optional<size_t> service =
      core::SyslogSender(lineage, SenderOwners(lineage, children_, daemons_), m.tag, names_);
  if (lineage.empty()) return service;  // gone: by its tag, nothing to remember
  if (known_.size() >= kMaxKnown) known_.clear();
  known_[pid] = {service, now + kKnownFor};
  return service;
}

std::string_view SyslogIntake::NameFor(std::optional<size_t> service, std::string_view tag) const {
  if (service) return supervisor_.services()[*service].spec.name;
  if (tag.empty()) return "syslog";
  return tag.substr(0, kMaxTag);
}

}  // namespace app
