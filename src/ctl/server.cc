#include "ctl/server.h"

#include <sys/epoll.h>
#include <unistd.h>

#include "os/unix_socket.h"

namespace ctl {

Server::Server(os::Epoll& epoll, TagFn tag, ServerConfig config, Host host)
    : epoll_(epoll),
      tag_(tag),
      config_(std::move(config)),
      host_(std::move(host)),
      self_uid_(getuid()) {}

Server::~Server() {
  if (listen_) os::RemoveSocket(config_.path);
}

base::Status Server::Listen() {
  auto fd = os::ListenUnix(config_.path, config_.group ? 0660 : 0600);
  if (!fd) return fd.Err();
  listen_ = std::move(*fd);
  return epoll_.Add(listen_.Get(), EPOLLIN, tag_(kListenTag, 0, 0));
}

void Server::OnListen(base::TimePoint now) {
  for (int n = 0; n < 64; ++n) {
    base::UniqueFd fd = os::AcceptClient(listen_.Get());
    if (!fd) return;
    auto cred = os::PeerCredentials(fd.Get());
    bool allowed = cred && (cred->uid == 0 || cred->uid == self_uid_ ||
                            (config_.group && (cred->gid == *config_.group ||
                                               os::UserInGroup(cred->uid, *config_.group))));
    if (!allowed) {
      std::string who =
          cred ? "uid " + std::to_string(cred->uid) + " (pid " + std::to_string(cred->pid) + ")"
               : "an unknown peer";
      for (const std::string& line :
           refusals_.Admit("control: refused peers",
                           "control: refused " + who + ": not allowed to control tend", now)) {
        host_.log(line);
      }
      std::string reply = ErrorReply("permission denied: only root, tend's user" +
                                     std::string(config_.group ? " or its control group" : "") +
                                     " may control tend");
      (void)os::SendSome(fd.Get(), reply.data(), reply.size());
      continue;  // closed here
    }
    size_t id = next_id_++;
    Client& c = clients_[id];
    c.fd = std::move(fd);
    c.last_active = now;
    (void)epoll_.Add(c.fd.Get(), EPOLLIN, tag_(kClientTag, id, 0));
  }
}

void Server::OnClient(size_t id, uint32_t events, base::TimePoint now) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = it->second;
  if (events & EPOLLOUT) Flush(id, c);
  if (clients_.count(id) && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) ReadFrom(id, c, now);
}

void Server::ReadFrom(size_t id, Client& c, base::TimePoint now) {
  char buf[16384];
  ssize_t n = read(c.fd.Get(), buf, sizeof buf);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    Drop(id);
    return;
  }
  if (n < 0) return;
  c.last_active = now;
  c.in.append(buf, static_cast<size_t>(n));
  size_t nl;
  while (clients_.count(id) && !c.closing && (nl = c.in.find('\n')) != std::string::npos) {
    std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
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
    std::string reply = "{\"v\":1,\"ok\":true,\"lines\":[";
    for (size_t k = 0; k < lines->size(); ++k) reply += (k ? "," : "") + (*lines)[k];
    Send(id, c, reply + "]}\n");
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
    if (it != clients_.end()) Send(id, it->second, "{\"v\":1,\"line\":" + json_line + "}\n");
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
        Send(id, c, error.empty() ? "{\"v\":1,\"ok\":true}\n" : ErrorReply(error));
      } else if (now >= c.wait_deadline) {
        c.waiting.reset();
        c.last_active = now;
        Send(id, c, ErrorReply("timeout: not ready: " + missing));
      }
      continue;
    }
    bool following = c.waiting && c.waiting->cmd == Command::kLogs;
    if (!following && now - c.last_active >= config_.idle_timeout) Drop(id);
  }
}

std::optional<base::TimePoint> Server::NextDeadline() const {
  std::optional<base::TimePoint> next;
  for (const auto& [id, c] : clients_) {
    base::TimePoint t;
    if (c.waiting && c.waiting->cmd == Command::kWait) {
      t = c.wait_deadline;
    } else if (c.waiting) {
      continue;  // a follower stays as long as it reads
    } else {
      t = c.last_active + config_.idle_timeout;
    }
    if (!next || t < *next) next = t;
  }
  return next;
}

void Server::Send(size_t id, Client& c, const std::string& data) {
  if (c.out.size() + data.size() > config_.max_output) {
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
  Watch(id, c);
}

void Server::Watch(size_t id, Client& c) {
  bool want = !c.out.empty();
  if (want == c.want_write) return;
  c.want_write = want;
  (void)epoll_.Modify(c.fd.Get(), EPOLLIN | (want ? uint32_t{EPOLLOUT} : 0u),
                      tag_(kClientTag, id, 0));
}

void Server::Drop(size_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  epoll_.Remove(it->second.fd.Get());
  clients_.erase(it);
}

}  // namespace ctl
