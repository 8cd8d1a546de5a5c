// Server: the control socket, served from tend's one event loop. Clients
// are non-blocking with bounded buffers; a client that stalls (never reads,
// or sends half a request) is dropped after a timeout or when its buffer
// is full, and never blocks tend or the others. Every connection's peer
// credentials are checked: root, tend's own user and, where configured,
// one group may control; anyone else gets a refusal, which is logged.
// Accepting, the client cap, buffers and deadlines are os::StreamServer's
// (shared with the HTTP server); at the cap a newcomer replaces the client
// stalled longest that is not waiting, following or taking a reply.
// A reply to a request is sent whole however long (`logs -n` is bounded by
// the ring), and the client's next request is not read until it is taken;
// lines pushed to followers are what `max_output` bounds.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "ctl/protocol.h"
#include "logs/log_limiter.h"
#include "os/epoll.h"
#include "os/stream_server.h"
#include "os/unix_socket.h"

namespace ctl {

struct ServerConfig {
  std::string path = "/run/tend.sock";
  std::optional<gid_t> group;  // members may control too
  base::Duration idle_timeout = base::seconds(60);
  base::Duration request_timeout = base::seconds(10);  // a started request line must end
  size_t max_output = size_t{1024} * 1024;  // bytes queued for a follower before it is dropped
  size_t max_clients = 64;
  // How long a client must have been quiet before a newcomer over the cap
  // may replace it: one just accepted has its request on the way.
  base::Duration evict_after = base::seconds(1);
  uint64_t first_client_id = 1;  // tests start at old wrap points (2^24, 2^32)
};

// What the server asks of tend. Replies are whole JSON lines.
struct Host {
  std::function<std::string(const Request&)> handle;  // everything but logs and wait
  // For wait: empty when every name is ready, else what is still missing;
  // `error` set for unknown names.
  std::function<std::string(const std::vector<std::string>&, std::string* error)> not_ready;
  // For logs: the recent lines of a service as JSON objects; nullopt if unknown.
  std::function<std::optional<std::vector<std::string>>(const std::string&, int)> recent;
  // For logs: whether older lines of the service were let go (the ring is
  // bounded), so that a short answer can say so.
  std::function<bool(const std::string&)> forgot;
  std::function<void(const std::string&)> log;  // a line for tend's own log
  // For events: the names that are not services (empty: all known).
  std::function<std::string(const std::vector<std::string>&)> unknown;
};

class Server {
 public:
  Server(os::Epoll& epoll, ServerConfig config, Host host);
  ~Server();  // removes the socket file it created
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  base::Status Listen();

  // Whether some client follows `service`'s output (logs -f).
  bool Follows(const std::string& service) const;
  // A new output line of `service`, as a JSON object, for followers.
  void Broadcast(const std::string& service, const std::string& json_line);
  // A lifecycle event of `service` (empty: of tend), as a JSON object, for
  // clients following events (of every service, or of that one).
  // `group`: its instance group's name (`instances`), which followers may name too.
  void PublishEvent(const std::string& service, const std::string& group,
                    const std::string& json_event);
  // Re-checks waiting clients (after state changes) and timeouts.
  void Poll(base::TimePoint now);
  std::optional<base::TimePoint> NextDeadline() const;

 private:
  class Conn;  // one client's requests, waits and follows (server.cc)
  friend class Conn;

  static os::StreamPolicy StreamPolicyOf(const ServerConfig& config);
  os::StreamServer::Hooks StreamHooks();
  std::unique_ptr<os::Session> Open(int fd, base::TimePoint now);
  bool Allowed(int fd);
  void Log(const std::string& cause, const std::string& line);

  ServerConfig config_;
  Host host_;
  uid_t self_uid_;
  os::SocketId socket_id_;  // what we bound, so that we remove only that
  logs::LogLimiter refusals_;
  os::StreamServer streams_;  // last: its clients go first
};

}  // namespace ctl
