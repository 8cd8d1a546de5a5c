// Server: the control socket, served from tend's one event loop. Clients
// are non-blocking with bounded buffers; a client that stalls (never reads,
// or sends half a request) is dropped after a timeout or when its buffer
// is full, and never blocks tend or the others. Every connection's peer
// credentials are checked: root, tend's own user and, where configured,
// one group may control; anyone else gets a refusal, which is logged (a
// few lines per 10 s at most: a local user can connect in a loop).
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "ctl/protocol.h"
#include "logs/log_limiter.h"
#include "os/epoll.h"

namespace ctl {

struct ServerConfig {
  std::string path = "/run/tend.sock";
  std::optional<gid_t> group;  // members may control too
  base::Duration idle_timeout = base::seconds(60);
  size_t max_output = 1024 * 1024;  // bytes queued for one client before it is dropped
};

// What the server asks of tend. Replies are whole JSON lines.
struct Host {
  std::function<std::string(const Request&)> handle;  // everything but logs and wait
  // For wait: empty when every name is ready, else what is still missing;
  // `error` set for unknown names.
  std::function<std::string(const std::vector<std::string>&, std::string* error)> not_ready;
  // For logs: the recent lines of a service as JSON objects; nullopt if unknown.
  std::function<std::optional<std::vector<std::string>>(const std::string&, int)> recent;
  std::function<void(const std::string&)> log;  // a line for tend's own log
};

class Server {
 public:
  using TagFn = uint64_t (*)(int kind, size_t id, int unused);
  static constexpr int kListenTag = 7;
  static constexpr int kClientTag = 8;

  Server(os::Epoll& epoll, TagFn tag, ServerConfig config, Host host);
  ~Server();  // removes the socket file it created
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  base::Status Listen();

  void OnListen(base::TimePoint now);
  void OnClient(size_t id, uint32_t events, base::TimePoint now);
  // Whether some client follows `service`'s output (logs -f).
  bool Follows(const std::string& service) const;
  // A new output line of `service`, as a JSON object, for followers.
  void Broadcast(const std::string& service, const std::string& json_line);
  // Re-checks waiting clients (after state changes) and timeouts.
  void Poll(base::TimePoint now);
  std::optional<base::TimePoint> NextDeadline() const;

 private:
  struct Client {
    base::UniqueFd fd;
    std::string in, out;
    base::TimePoint last_active{};
    bool closing = false;            // close once `out` is written
    std::optional<Request> waiting;  // a wait or a follow in progress
    base::TimePoint wait_deadline{};
    bool want_write = false;
  };

  void ReadFrom(size_t id, Client& c, base::TimePoint now);
  void Serve(size_t id, Client& c, const std::string& line, base::TimePoint now);
  void Send(size_t id, Client& c, const std::string& data);
  void Flush(size_t id, Client& c);
  void Drop(size_t id);
  void Watch(size_t id, Client& c);

  os::Epoll& epoll_;
  TagFn tag_;
  ServerConfig config_;
  Host host_;
  base::UniqueFd listen_;
  std::map<size_t, Client> clients_;
  size_t next_id_ = 1;
  uid_t self_uid_;
  logs::LogLimiter refusals_;
};

}  // namespace ctl
