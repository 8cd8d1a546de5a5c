#include "ctl/server.h"

#include <sys/epoll.h>
#include <unistd.h>

#include "os/process.h"
#include "os/timer_fd.h"
#include "os/unix_socket.h"

namespace ctl {

Server::Server(os::Epoll& epoll, ServerConfig config, Host host)
    : epoll_(epoll),
      config_(std::move(config)),
      host_(std::move(host)),
      next_id_(config_.first_client_id),
      self_uid_(os::SelfUid()) {}

Server::~Server() {
  if (acceptor_) os::RemoveOwnSocket(config_.path, socket_id_);
}

base::Status Server::Listen() {
  auto fd = os::ListenUnix(config_.path, config_.group ? 0660 : 0600);
  if (!fd) return fd.Err();
  socket_id_ = os::SocketIdentity(config_.path);
  os::AcceptPolicy policy;
  policy.max_clients = config_.max_clients;
  os::Acceptor::Owner owner;
  owner.clients = [this] { return clients_.size(); };
  owner.room_at = [this] { return RoomAt(); };
  owner.make_room = [this] {
    auto victim = Stalest();
    if (victim == clients_.end()) return;  // room_at said there was one; be sure
    for (const std::string& line :
         refusals_.Admit("control: evictions",
                         "control: too many clients (" + std::to_string(clients_.size()) +
                             "); dropped the one stalled longest",
                         os::Now())) {
      host_.log(line);
    }
    Drop(victim->first);
  };
  owner.admit = [this](base::UniqueFd client) { Admit(std::move(client)); };
  owner.refuse = [](base::UniqueFd client) {
    std::string reply = ErrorReply("tend is busy (too many control clients); try again");
    (void)os::SendSome(client.Get(), reply.data(), reply.size());
  };
  owner.log = [this](const std::string& text) { host_.log("control: " + text); };
  acceptor_.emplace(epoll_, policy, std::move(owner));
  return acceptor_->Start(std::move(*fd));
}

bool Server::Allowed(int fd) {
  auto cred = os::PeerCredentials(fd);
  bool allowed = cred && (cred->uid == 0 || cred->uid == self_uid_ ||
                          (config_.group && (cred->gid == *config_.group ||
                                             os::UserInGroup(cred->uid, *config_.group))));
  if (allowed) return true;
  std::string who =
      cred ? "uid " + std::to_string(cred->uid) + " (pid " + std::to_string(cred->pid) + ")"
           : "an unknown peer";
  for (const std::string& line :
       refusals_.Admit("control: refused peers",
                       "control: refused " + who + ": not allowed to control tend", os::Now())) {
    host_.log(line);
  }
  std::string reply =
      ErrorReply("permission denied: only root, tend's user" +
                 std::string(config_.group ? " or its control group" : "") + " may control tend");
  (void)os::SendSome(fd, reply.data(), reply.size());
  return false;
}

void Server::Admit(base::UniqueFd fd) {
  if (!Allowed(fd.Get())) return;  // closed here
  size_t id = next_id_++;
  auto watch = epoll_.Add(fd.Get(), EPOLLIN, [this, id](uint32_t events) { OnClient(id, events); });
  if (!watch) return;
  Client& c = clients_[id];
  c.fd = std::move(fd);
  c.watch = std::move(*watch);
  c.last_active = os::Now();
}

// Since when a client has not made progress: its last activity, or, while
// a request line is unfinished, when that line began (a slowloris client
// sends a byte now and then, but never a whole request).
base::TimePoint Server::StalledSince(const Client& c) const {
  return c.in.empty() ? c.last_active : c.request_since;
}

// The client stalled longest that is not busy (waiting, following, or
// taking a reply): the one a newcomer over the cap may replace.
std::map<size_t, Server::Client>::iterator Server::Stalest() {
  auto victim = clients_.end();
  for (auto it = clients_.begin(); it != clients_.end(); ++it) {
    const Client& c = it->second;
    if (c.waiting || !c.out.empty()) continue;
    if (victim == clients_.end() || StalledSince(c) < StalledSince(victim->second)) victim = it;
  }
  return victim;
}

// When that client will have been stalled for evict_after (one just
// accepted has its request on the way); nullopt when every client is busy.
std::optional<base::TimePoint> Server::RoomAt() {
  auto victim = Stalest();
  if (victim == clients_.end()) return std::nullopt;
  return StalledSince(victim->second) + config_.evict_after;
}

void Server::OnClient(size_t id, uint32_t events) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = it->second;
  base::TimePoint now = os::Now();
  if (events & EPOLLOUT) Flush(id, c);
  if (!clients_.count(id)) return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ReadFrom(id, c, now);
  // A hang-up is final (the loop stops watching the fd): nothing more
  // will come, and nobody is left to read what we would send.
  if (clients_.count(id) && (events & (EPOLLHUP | EPOLLERR))) Drop(id);
}

void Server::ReadFrom(size_t id, Client& c, base::TimePoint now) {
  auto n = os::ReceiveSome(c.fd.Get(), c.in, 16384);
  if (!n) {
    Drop(id);  // EOF or an error: the client is gone
    return;
  }
  if (*n == 0) return;
  if (c.in.size() == *n) c.request_since = now;
  c.last_active = now;
  ServeBuffered(id, c, now);
}

// Serves the complete lines in `in`, one at a time: while a reply is still
// being sent, the next request waits (and so does reading: back-pressure).
void Server::ServeBuffered(size_t id, Client& c, base::TimePoint now) {
  size_t nl;
  while (clients_.count(id) && !c.closing && c.out.empty() &&
         (nl = c.in.find('\n')) != std::string::npos) {
    std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    c.request_since = now;
    if (!line.empty()) Serve(id, c, line, now);
  }
  if (clients_.count(id) && c.in.size() > kMaxRequest) {
    // The rest of this line is garbage to us: answer and hang up.
    c.in.clear();
    c.closing = true;
    Send(id, c, ErrorReply("request too long (over " + std::to_string(kMaxRequest) + " bytes)"));
  }
}

void Server::Serve(size_t id, Client& c, const std::string& line, base::TimePoint now) {
  ParseResult p = ParseRequest(line);
  if (!p.request) {
    Send(id, c, ErrorReply(p.error));
    return;
  }
  const Request& r = *p.request;
  if (c.waiting) {
    Send(id, c, ErrorReply("a wait or follow is in progress on this connection"));
    return;
  }
  if (r.cmd == Command::kLogs) {
    auto lines = host_.recent(r.names[0], r.lines);
    if (!lines) {
      Send(id, c, ErrorReply("unknown service '" + r.names[0] + "'"));
      return;
    }
    std::string reply = R"({"v":1,"ok":true,"lines":[)";
    for (size_t k = 0; k < lines->size(); ++k) reply += (k ? "," : "") + (*lines)[k];
    reply += "]";
    if (lines->size() < static_cast<size_t>(r.lines) && host_.forgot && host_.forgot(r.names[0])) {
      reply += R"(,"truncated":true,"note":"only the last )" + std::to_string(lines->size()) +
               " lines are kept (tend keeps about 64 KiB of recent output per service)\"";
    }
    Send(id, c, reply + "}\n");
    if (r.follow) c.waiting = r;
    return;
  }
  if (r.cmd == Command::kWait) {
    std::string error;
    host_.not_ready(r.names, &error);
    if (!error.empty()) {
      Send(id, c, ErrorReply(error));
      return;
    }
    c.waiting = r;
    c.wait_deadline =
        now + std::chrono::duration_cast<base::Duration>(std::chrono::duration<double>(r.timeout));
    Poll(now);
    return;
  }
  Send(id, c, host_.handle(r));
}

bool Server::Follows(const std::string& service) const {
  for (const auto& [id, c] : clients_) {
    if (c.waiting && c.waiting->cmd == Command::kLogs && c.waiting->names[0] == service)
      return true;
  }
  return false;
}

void Server::Broadcast(const std::string& service, const std::string& json_line) {
  std::vector<size_t> ids;
  for (auto& [id, c] : clients_) {
    if (c.waiting && c.waiting->cmd == Command::kLogs && c.waiting->names[0] == service) {
      ids.push_back(id);
    }
  }
  for (size_t id : ids) {
    auto it = clients_.find(id);
    if (it != clients_.end()) {
      Send(id, it->second, R"({"v":1,"line":)" + json_line + "}\n", false);
    }
  }
}

void Server::Poll(base::TimePoint now) {
  std::vector<size_t> ids;
  for (auto& [id, c] : clients_) ids.push_back(id);
  for (size_t id : ids) {
    auto it = clients_.find(id);
    if (it == clients_.end()) continue;
    Client& c = it->second;
    if (c.waiting && c.waiting->cmd == Command::kWait) {
      std::string error;
      std::string missing = host_.not_ready(c.waiting->names, &error);
      if (missing.empty() || !error.empty()) {
        c.waiting.reset();
        c.last_active = now;
        Send(id, c, error.empty() ? OkReply() : ErrorReply(error));
      } else if (now >= c.wait_deadline) {
        c.waiting.reset();
        c.last_active = now;
        Send(id, c, ErrorReply("timeout: not ready: " + missing));
      }
      continue;
    }
    bool following = c.waiting && c.waiting->cmd == Command::kLogs;
    if (!following && now >= IdleDeadline(c)) Drop(id);
  }
  if (acceptor_) acceptor_->Poll(now);
}

// Idle clients go after idle_timeout; one that started a request line and
// never ends it (slowloris) goes after request_timeout.
base::TimePoint Server::IdleDeadline(const Client& c) const {
  base::TimePoint idle = c.last_active + config_.idle_timeout;
  if (c.in.empty()) return idle;
  return std::min(idle, c.request_since + config_.request_timeout);
}

std::optional<base::TimePoint> Server::NextDeadline() const {
  std::optional<base::TimePoint> next = acceptor_ ? acceptor_->NextDeadline() : std::nullopt;
  for (const auto& [id, c] : clients_) {
    base::TimePoint t;
    if (c.waiting && c.waiting->cmd == Command::kWait) {
      t = c.wait_deadline;
    } else if (c.waiting) {
      continue;  // a follower stays as long as it reads
    } else {
      t = IdleDeadline(c);
    }
    if (!next || t < *next) next = t;
  }
  return next;
}

void Server::Send(size_t id, Client& c, const std::string& data, bool reply) {
  if (!reply && c.out.size() + data.size() > config_.max_output) {
    host_.log("control: dropped a client that does not read its replies");
    Drop(id);
    return;
  }
  c.out += data;
  Flush(id, c);
}

void Server::Flush(size_t id, Client& c) {
  while (!c.out.empty()) {
    ssize_t n = os::SendSome(c.fd.Get(), c.out.data(), c.out.size());
    if (n < 0) {
      Drop(id);
      return;
    }
    if (n == 0) break;
    c.out.erase(0, static_cast<size_t>(n));
  }
  if (c.out.empty() && c.closing) {
    Drop(id);
    return;
  }
  Watch(c);
  // The reply is out: requests that queued up behind it are next.
  if (c.out.empty() && !c.waiting && c.in.find('\n') != std::string::npos) {
    ServeBuffered(id, c, os::Now());
  }
}

// While a reply is unsent, only writability matters: reading more
// requests would only grow what the client does not take.
void Server::Watch(Client& c) {
  (void)c.watch.Modify(c.out.empty() ? uint32_t{EPOLLIN} : uint32_t{EPOLLOUT});
}

void Server::Drop(size_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  clients_.erase(it);  // the watch goes before the fd (member order)
  if (acceptor_) acceptor_->Resume();
}

}  // namespace ctl
