// ProbeConn: one TCP or HTTP health probe in flight, a small state machine
// driven by the event loop (connect -> send request -> read status line).
// It never blocks: the socket is non-blocking and each OnEvents() does only
// what the readiness allows.
//
// Use: Start(), add fd() to epoll with WantEvents(), and on each event call
// OnEvents(); when WantEvents() changes, modify the registration. Once the
// outcome is not kPending, remove fd() from epoll and destroy the object.
// Timeouts are the caller's: at its deadline it just destroys the object
// (closing the socket aborts the connect or the request) and counts the
// probe as failed; a server that accepts but never answers is caught only
// that way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"
#include "config/probe_target.h"

namespace os {

class ProbeConn {
 public:
  enum class Outcome { kPending, kHealthy, kUnhealthy };

  // Errors only for local failures (no socket, bad address); a refused or
  // unreachable peer is an unhealthy outcome reported by OnEvents().
  static base::Result<ProbeConn> Start(const spec::ProbeTarget& target, bool http);

  int fd() const { return fd_.Get(); }
  // EPOLLOUT while connecting or sending, EPOLLIN while reading, 0 when done.
  uint32_t WantEvents() const;
  // Advances on readiness; once done, returns the same outcome again.
  Outcome OnEvents(uint32_t events);
  // Why: "connected", "HTTP 200", "connection refused", "HTTP 503", ...
  const std::string& detail() const { return detail_; }

 private:
  enum class Stage { kConnecting, kSending, kReading, kDone };

  ProbeConn(base::UniqueFd fd, bool http, std::string request, int connect_errno);
  Outcome Connected();
  Outcome Send();
  Outcome Receive();
  Outcome AtEof();
  Outcome Judge(int status);
  Outcome Finish(Outcome outcome, std::string detail);
  Outcome FinishWithErrno(int err);

  base::UniqueFd fd_;
  bool http_ = false;
  Stage stage_ = Stage::kConnecting;
  int connect_errno_ = 0;  // connect() failed at once: reported by the first event
  std::string request_;
  size_t sent_ = 0;
  std::string response_;
  Outcome outcome_ = Outcome::kPending;
  std::string detail_;
};

// "HTTP/1.1 200 OK" -> 200. The line may end in "\r\n" or "\n"; the code
// must be three digits 100-599; the reason phrase may be missing.
std::optional<int> ParseStatusLine(std::string_view line);

// What the response so far says: the final status code (1xx interim
// responses such as 103 Early Hints are skipped), kNeedMore, or kMalformed.
constexpr int kNeedMore = 0;
constexpr int kMalformed = -1;
int FinalStatus(std::string_view response);

}  // namespace os
