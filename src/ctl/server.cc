#include "ctl/server.h"

#include <algorithm>

#include "os/abstract_socket.h"
#include "os/process.h"
#include "os/timer_fd.h"
#include "os/unix_socket.h"

namespace ctl {

// One control client: request lines served one at a time (the next waits
// until the reply to this one is taken), a wait or a follow in progress,
// and the deadlines that drop a stalled client.
class Server::Conn : public os::Session {
 public:
  Conn(Server& server, base::TimePoint now) : server_(server), last_active_(now) {}

  void Received(os::Stream& s, base::TimePoint now) override {
    if (s.in().empty()) return;
    if (!partial_) request_since_ = now;  // `in` was empty before this read
    last_active_ = now;
    ServeBuffered(s, now);
  }
  // The reply is out: requests that queued up behind it are next.
  void Sent(os::Stream& s, base::TimePoint now) override {
    if (!waiting_) ServeBuffered(s, now);
  }
  std::optional<base::TimePoint> Deadline() const override;
  void Expired(os::Stream& s, base::TimePoint now) override;
  std::optional<base::TimePoint> StalledSince(const os::Stream& s) const override;

  bool Follows(const std::string& service) const {
    return waiting_ && waiting_->cmd == Command::kLogs && waiting_->names[0] == service;
  }
  // Events of `service` (empty: tend's own, which every follower gets).
  bool FollowsEvents(const std::string& service, const std::string& group) const {
    if (!waiting_ || waiting_->cmd != Command::kEvents) return false;
    const auto& names = waiting_->names;
    auto named = [&](const std::string& n) {
      return !n.empty() && std::find(names.begin(), names.end(), n) != names.end();
    };
    return service.empty() || names.empty() || named(service) || named(group);
  }
  // A line pushed to a follower: one that has more than max_output unread goes.
  void Push(os::Stream& s, const std::string& data);
  // A wait whose names may have become ready.
  void Recheck(os::Stream& s, base::TimePoint now);

 private:
  void ServeBuffered(os::Stream& s, base::TimePoint now);
  void Serve(os::Stream& s, const std::string& line, base::TimePoint now);
  void Logs(os::Stream& s, const Request& r);
  void EndWait(os::Stream& s, const std::string& reply, base::TimePoint now);
  // Idle clients go after idle_timeout; one that started a request line
  // and never ends it (slowloris) goes after request_timeout.
  base::TimePoint IdleDeadline() const;

  Server& server_;
  bool partial_ = false;  // `in` holds the start of a request line
  base::TimePoint last_active_;
  base::TimePoint request_since_{};  // when that line began
  std::optional<Request> waiting_;   // a wait or a follow in progress
  base::TimePoint wait_deadline_{};
};

// Serves the complete lines in `in`, one at a time: while a reply is still
// being sent, the next request waits (and so does reading: back-pressure).
void Server::Conn::ServeBuffered(os::Stream& s, base::TimePoint now) {
  std::string& in = s.in();
  size_t nl;
  while (!s.Finishing() && s.Unsent() == 0 && (nl = in.find('\n')) != std::string::npos) {
    std::string line = in.substr(0, nl);
    in.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    request_since_ = now;
    if (!line.empty()) Serve(s, line, now);
  }
  if (in.size() > kMaxRequest) {
    // The rest of this line is garbage to us: answer and hang up.
    in.clear();
    s.Send(ErrorReply("request too long (over " + std::to_string(kMaxRequest) + " bytes)"));
    s.Finish();
  }
  partial_ = !in.empty();
}

void Server::Conn::Serve(os::Stream& s, const std::string& line, base::TimePoint now) {
  ParseResult p = ParseRequest(line);
  if (!p.request) return s.Send(ErrorReply(p.error));
  const Request& r = *p.request;
  if (waiting_) return s.Send(ErrorReply("a wait or follow is in progress on this connection"));
  if (r.cmd == Command::kLogs) return Logs(s, r);
  if (r.cmd == Command::kEvents) {
    std::string unknown = server_.host_.unknown ? server_.host_.unknown(r.names) : "";
    if (!unknown.empty()) return s.Send(ErrorReply("unknown service: " + unknown));
    waiting_ = r;  // followed from here on, as long as it reads
    return s.Send(OkReply());
  }
  if (r.cmd == Command::kWait) {
    std::string error;
    server_.host_.not_ready(r.names, &error);
    if (!error.empty()) return s.Send(ErrorReply(error));
    waiting_ = r;
    wait_deadline_ =
        now + std::chrono::duration_cast<base::Duration>(std::chrono::duration<double>(r.timeout));
    return Recheck(s, now);
  }
  s.Send(server_.host_.handle(r));
}

void Server::Conn::Logs(os::Stream& s, const Request& r) {
  const Host& host = server_.host_;
  auto lines = host.recent(r.names[0], r.lines);
  if (!lines) return s.Send(ErrorReply("unknown service '" + r.names[0] + "'"));
  std::string reply = R"({"v":1,"ok":true,"lines":[)";
  for (size_t k = 0; k < lines->size(); ++k) reply += (k ? "," : "") + (*lines)[k];
  reply += "]";
  if (lines->size() < static_cast<size_t>(r.lines) && host.forgot && host.forgot(r.names[0])) {
    reply += R"(,"truncated":true,"note":"only the last )" + std::to_string(lines->size()) +
             " lines are kept (tend keeps about 64 KiB of recent output per service)\"";
  }
  s.Send(reply + "}\n");
  if (r.follow) waiting_ = r;
}

void Server::Conn::Push(os::Stream& s, const std::string& data) {
  if (s.Unsent() + data.size() > server_.config_.max_output) {
    server_.host_.log("control: dropped a client that does not read its replies");
    return s.Close();
  }
  s.Send(data);
}

void Server::Conn::Recheck(os::Stream& s, base::TimePoint now) {
  if (!waiting_ || waiting_->cmd != Command::kWait) return;
  std::string error;
  std::string missing = server_.host_.not_ready(waiting_->names, &error);
  if (missing.empty() || !error.empty()) {
    EndWait(s, error.empty() ? OkReply() : ErrorReply(error), now);
  }
}

void Server::Conn::EndWait(os::Stream& s, const std::string& reply, base::TimePoint now) {
  waiting_.reset();
  last_active_ = now;
  s.Send(reply);
}

std::optional<base::TimePoint> Server::Conn::Deadline() const {
  if (!waiting_) return IdleDeadline();
  if (waiting_->cmd == Command::kWait) return wait_deadline_;
  return std::nullopt;  // a follower stays as long as it reads
}

void Server::Conn::Expired(os::Stream& s, base::TimePoint now) {
  if (!waiting_) return s.Close();
  std::string error;
  std::string missing = server_.host_.not_ready(waiting_->names, &error);
  EndWait(s, ErrorReply(error.empty() ? "timeout: not ready: " + missing : error), now);
}

base::TimePoint Server::Conn::IdleDeadline() const {
  base::TimePoint idle = last_active_ + server_.config_.idle_timeout;
  if (!partial_) return idle;
  return std::min(idle, request_since_ + server_.config_.request_timeout);
}

// Since when a client has not made progress: its last activity, or, while
// a request line is unfinished, when that line began (a slowloris client
// sends a byte now and then, but never a whole request). A client waiting,
// following or taking a reply is busy.
std::optional<base::TimePoint> Server::Conn::StalledSince(const os::Stream& s) const {
  if (waiting_ || s.Unsent() > 0) return std::nullopt;
  return partial_ ? request_since_ : last_active_;
}

Server::Server(os::Epoll& epoll, ServerConfig config, Host host)
    : config_(std::move(config)),
      host_(std::move(host)),
      self_uid_(os::SelfUid()),
      streams_(epoll, StreamPolicyOf(config_), StreamHooks()) {}

Server::~Server() {
  if (streams_.Listening() && !os::IsAbstract(config_.path)) {
    os::RemoveOwnSocket(config_.path, socket_id_);
  }
}

os::StreamPolicy Server::StreamPolicyOf(const ServerConfig& config) {
  os::StreamPolicy policy;
  policy.max_clients = config.max_clients;
  policy.evict_after = config.evict_after;
  policy.first_id = config.first_client_id;
  return policy;
}

os::StreamServer::Hooks Server::StreamHooks() {
  os::StreamServer::Hooks hooks;
  hooks.open = [this](int fd, base::TimePoint now) { return Open(fd, now); };
  hooks.busy = [](int fd) {
    std::string reply = ErrorReply("tend is busy (too many control clients); try again");
    (void)os::SendSome(fd, reply.data(), reply.size());
  };
  hooks.log = [this](const std::string& text) { host_.log("control: " + text); };
  hooks.evicted = [this] {
    Log("control: evictions", "control: too many clients (" +
                                  std::to_string(streams_.ClientCount()) +
                                  "); dropped the one stalled longest");
  };
  return hooks;
}

base::Status Server::Listen() {
  if (os::IsAbstract(config_.path)) {
    auto fd = os::ListenAbstract(config_.path);
    if (!fd) return fd.Err();
    return streams_.Listen(std::move(*fd));
  }
  auto fd = os::ListenUnix(config_.path, config_.group ? 0660 : 0600);
  if (!fd) return fd.Err();
  socket_id_ = os::SocketIdentity(config_.path);
  return streams_.Listen(std::move(*fd));
}

std::unique_ptr<os::Session> Server::Open(int fd, base::TimePoint now) {
  if (!Allowed(fd)) return nullptr;
  return std::make_unique<Conn>(*this, now);
}

void Server::Log(const std::string& cause, const std::string& line) {
  for (const std::string& text : refusals_.Admit(cause, line, os::Now())) host_.log(text);
}

bool Server::Allowed(int fd) {
  auto cred = os::PeerCredentials(fd);
  // An abstract socket has no file mode and is reachable from the whole
  // network namespace (other containers with --network host): a peer must
  // also be in tend's PID namespace, where the kernel gives it a pid.
  bool outside = cred && os::IsAbstract(config_.path) && cred->pid == 0;
  bool allowed = cred && !outside &&
                 (cred->uid == 0 || cred->uid == self_uid_ ||
                  (config_.group &&
                   (cred->gid == *config_.group || os::UserInGroup(cred->uid, *config_.group))));
  if (allowed) return true;
  std::string who =
      cred ? "uid " + std::to_string(cred->uid) + " (pid " + std::to_string(cred->pid) + ")"
           : "an unknown peer";
  Log("control: refused peers",
      "control: refused " + who +
          (outside ? ": outside tend's PID namespace" : ": not allowed to control tend"));
  std::string reply =
      ErrorReply(outside ? "permission denied: tend's abstract control socket serves only "
                           "processes in its PID namespace (its container)"
                         : "permission denied: only root, tend's user" +
                               std::string(config_.group ? " or its control group" : "") +
                               " may control tend");
  (void)os::SendSome(fd, reply.data(), reply.size());
  return false;
}

bool Server::Follows(const std::string& service) const {
  return streams_.Any<Conn>([&](const Conn& c) { return c.Follows(service); });
}

void Server::Broadcast(const std::string& service, const std::string& json_line) {
  std::string line = R"({"v":1,"line":)" + json_line + "}\n";
  streams_.ForEach<Conn>(
      [&](os::Stream& s, Conn& c) {
        if (c.Follows(service)) c.Push(s, line);
      },
      os::Now());
}

void Server::PublishEvent(const std::string& service, const std::string& group,
                          const std::string& json_event) {
  std::string line = R"({"v":1,"event":)" + json_event + "}\n";
  streams_.ForEach<Conn>(
      [&](os::Stream& s, Conn& c) {
        if (c.FollowsEvents(service, group)) c.Push(s, line);
      },
      os::Now());
}

void Server::Poll(base::TimePoint now) {
  streams_.ForEach<Conn>([now](os::Stream& s, Conn& c) { c.Recheck(s, now); }, now);
  streams_.Poll(now);
}

std::optional<base::TimePoint> Server::NextDeadline() const { return streams_.NextDeadline(); }

}  // namespace ctl
