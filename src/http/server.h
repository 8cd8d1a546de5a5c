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
// Accepting, the client cap, buffers, deadlines and the lingering close are
// os::StreamServer's (shared with the control socket). When `max_clients`
// connections are open, a new one evicts the oldest:
// a real probe finishes in milliseconds, so the longest-open connection is
// almost surely stalled, and refusing newcomers instead would let 64 idle
// sockets lock kubelet out.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "http/request_parser.h"
#include "http/response.h"
#include "os/epoll.h"
#include "os/stream_server.h"

namespace http {

struct ServerConfig {
  std::string listen;                                 // http_listen, see os/tcp_listen.h
  base::Duration request_timeout = base::seconds(5);  // whole head, from accept (then 408)
  base::Duration write_timeout = base::seconds(5);    // whole response, from the head
  base::Duration linger = base::seconds(1);           // draining input after the response
  size_t max_clients = 64;
  size_t max_streams = 16;  // of them, open streams (SSE); more get 503
  size_t max_stream_backlog =
      size_t{256} * 1024;  // unread bytes before a stream's client is dropped
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
  void Poll(base::TimePoint now) { streams_.Poll(now); }
  std::optional<base::TimePoint> NextDeadline() const { return streams_.NextDeadline(); }

  size_t ClientCount() const { return streams_.ClientCount(); }
  // Sends `data` to every open stream of `topic` or `alias` (a second name
  // for it; may be empty), and to those of every topic.
  void Publish(const std::string& topic, const std::string& alias, const std::string& data);
  // Whether some stream is open: publishing costs nothing otherwise.
  bool Streaming() const;
  ServerStats stats() const;

 private:
  class Exchange;  // one request and its response (server.cc)
  friend class Exchange;

  static os::StreamPolicy StreamPolicyOf(const ServerConfig& config);
  os::StreamServer::Hooks StreamHooks();
  Response Answer(const RequestParser& parser);
  size_t OpenStreams() const;

  ServerConfig config_;
  Handler handler_;
  uint64_t answered_ = 0;
  uint64_t timed_out_ = 0;
  os::StreamServer streams_;  // last: its clients go first
};

}  // namespace http
