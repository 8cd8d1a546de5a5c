// Server: tend's HTTP endpoint (/healthz, /readyz, /metrics), served from
// tend's one event loop like the control socket (ctl/server.h). Nothing a
// client does can stall tend: every socket is non-blocking, the head must
// arrive within `request_timeout` and the response be taken within
// `write_timeout`, input is bounded by the parser's limits and output is
// one small response.
//
// One request per connection (`Connection: close`): probes and scrapers
// open a connection each time anyway, and it keeps a client's state tiny.
// Only GET and HEAD are answered (405 with Allow otherwise). After the
// response the server half-closes and discards what the client still sends
// for up to `linger`, because closing with unread input makes the kernel
// send a RST that can destroy the response before the client reads it.
//
// Accepting follows os::Acceptor's policy (fd headroom, pause on EMFILE).
// When `max_clients` connections are open, a new one evicts the oldest:
// a real probe finishes in milliseconds, so the longest-open connection is
// almost surely stalled, and refusing newcomers instead would let 64 idle
// sockets lock kubelet out.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "http/request_parser.h"
#include "http/response.h"
#include "os/acceptor.h"
#include "os/epoll.h"

namespace http {

struct ServerConfig {
  std::string listen;                                 // http_listen, see os/tcp_listen.h
  base::Duration request_timeout = base::seconds(5);  // whole head, from accept (then 408)
  base::Duration write_timeout = base::seconds(5);    // whole response, from the head
  base::Duration linger = base::seconds(1);           // draining input after the response
  size_t max_clients = 64;
  ParseLimits limits;
  std::function<void(const std::string&)> log;  // rare server-level trouble; may be empty
};

// Answers a parsed GET or HEAD (the server drops the body for HEAD).
using Handler = std::function<Response(const Request&)>;

struct ServerStats {
  uint64_t accepted = 0;
  uint64_t answered = 0;   // responses queued, errors included
  uint64_t timed_out = 0;  // dropped at a deadline
  uint64_t evicted = 0;    // dropped to make room (max_clients)
};

class Server {
 public:
  Server(os::Epoll& epoll, ServerConfig config, Handler handler);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds config.listen and watches it.
  base::Status Listen();
  // Watches a socket from os::ListenTcp (tests bind port 0 this way).
  base::Status Listen(base::UniqueFd listen_fd);
  // The bound port, once listening.
  std::optional<int> Port() const;

  // Enforces deadlines and resumes accepting after a pause.
  void Poll(base::TimePoint now);
  std::optional<base::TimePoint> NextDeadline() const;

  size_t ClientCount() const { return clients_.size(); }
  const ServerStats& stats() const { return stats_; }

 private:
  enum class Phase { kReading, kWriting, kLingering };
  struct Client {
    base::UniqueFd fd;
    os::IoWatch watch;  // after fd: unregistered before it closes
    RequestParser parser;
    Phase phase = Phase::kReading;
    std::string out;
    size_t sent = 0;
    size_t drained = 0;
    base::TimePoint accepted{};
    base::TimePoint deadline{};
  };

  void Admit(base::UniqueFd fd);
  void EvictOldest();
  void OnClient(size_t id, uint32_t events);
  void ReadRequest(size_t id, Client& c, base::TimePoint now);
  Response Answer(const RequestParser& parser);
  void Respond(size_t id, Client& c, base::TimePoint now);
  void Flush(size_t id, Client& c, base::TimePoint now);
  void Drain(size_t id, Client& c);
  void Expire(size_t id, Client& c);
  void Watch(Client& c, uint32_t events);
  void Drop(size_t id);

  os::Epoll& epoll_;
  ServerConfig config_;
  Handler handler_;
  std::map<size_t, Client> clients_;
  uint64_t next_id_ = 0;  // 64 bits: never wraps, so ids never collide
  ServerStats stats_;
  std::optional<os::Acceptor> acceptor_;  // last: closes first
};

}  // namespace http
