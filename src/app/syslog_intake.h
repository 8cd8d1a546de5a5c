// SyslogIntake: /dev/log for the container. Daemons that log to syslog
// (sshd, cron, postfix, most init scripts) would otherwise lose every
// line: there is no syslog daemon in a container. Each datagram is traced
// to its service (core::SyslogSender over the kernel's sender pid and the
// processes tend watches), parsed (logs::ParseSyslog) and written as one
// line under that service's name (OutputRouter::Syslog), or under its tag
// when no service sent it.
//
// Bounded like other output: a sender past its rate is dropped and counted
// (logs::SenderLimiter; the count reaches tend's log and /metrics), a long
// datagram is cut, and while tend's output is backed up the socket is not
// read (senders then wait in the kernel, as they would for any syslogd),
// for kMaxStall at most.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/daemon_watch.h"
#include "app/loop_context.h"
#include "app/output_router.h"
#include "logs/sender_limiter.h"
#include "os/syslog_socket.h"

namespace app {

class SyslogIntake {
 public:
  // Per sender: journald's default burst, over a shorter window.
  static constexpr uint32_t kBurst = 10000;
  static constexpr base::Duration kWindow = base::seconds(10);
  static constexpr size_t kMaxSenders = 256;
  // How long senders may wait while tend's output is backed up.
  static constexpr base::Duration kMaxStall = base::seconds(2);

  struct Counters {
    uint64_t messages = 0;   // written as lines
    uint64_t dropped = 0;    // over a sender's rate, or while output was backed up too long
    uint64_t truncated = 0;  // cut to kMaxSyslogDatagram
  };

  // `children`: their lineage shims' reports are read when a sender may
  // be a daemon just handed over (SenderOwners).
  SyslogIntake(LoopContext ctx, const DaemonWatch& daemons, Children& children,
               const core::Supervisor& supervisor, OutputRouter& output);
  // Claims `path` ("" : none). One that is taken or cannot be made costs
  // one warning; tend runs on without it.
  void Start(const std::string& path);
  void Poll(base::TimePoint now);  // reports the drops of windows that ended
  std::optional<base::TimePoint> NextDeadline() const;
  const Counters& counters() const { return counters_; }
  // The socket's path, while tend has it.
  std::string Path() const { return socket_ ? socket_->path() : ""; }

 private:
  struct Known {
    std::optional<size_t> service;
    base::TimePoint until;
  };

  void OnReadable();
  void Stalled(base::TimePoint now);
  void Unstalled(base::TimePoint now);
  void Pause(bool paused);
  std::optional<size_t> Sender(int pid, const logs::SyslogMessage& m, base::TimePoint now);
  std::string_view NameFor(std::optional<size_t> service, std::string_view tag) const;

  LoopContext ctx_;
  const DaemonWatch& daemons_;
  Children& children_;
  const core::Supervisor& supervisor_;
  OutputRouter& output_;
  std::optional<os::SyslogSocket> socket_;
  os::IoWatch watch_;  // after socket_: unregistered before it closes
  logs::SenderLimiter limiter_{kBurst, kWindow, kMaxSenders};
  // A sender's service, for a moment: a flood costs one walk of /proc.
  std::map<int, Known> known_;
  std::vector<SyslogEntry> entries_;
  std::vector<std::string> names_;
  Counters counters_;
  bool paused_ = false;
  std::optional<base::TimePoint> stalled_since_;  // tend's output is backed up
  uint64_t stall_dropped_ = 0;
};

}  // namespace app
