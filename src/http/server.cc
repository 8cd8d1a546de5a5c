#include "http/server.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "os/tcp_listen.h"
#include "os/unix_socket.h"

namespace http {
namespace {

// The runner's tag packs an id into 24 bits, so ids wrap below that.
constexpr size_t kMaxId = (size_t{1} << 24) - 1;
// How long accepting pauses after accept4 fails (EMFILE...): the listening
// socket stays readable, so retrying at once would spin the loop.
constexpr base::Duration kAcceptPause = base::seconds(1);
// What a client may still send after its response before it is cut off.
constexpr size_t kMaxDrain = size_t{64} * 1024;
constexpr uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP;

}  // namespace

Server::Server(os::Epoll& epoll, TagFn tag, ServerConfig config, Handler handler)
    : epoll_(epoll), tag_(tag), config_(std::move(config)), handler_(std::move(handler)) {}

base::Status Server::Listen() {
  auto fd = os::ListenTcp(config_.listen);
  if (!fd) return fd.Err();
  return Listen(std::move(*fd));
}

base::Status Server::Listen(base::UniqueFd listen_fd) {
  listen_ = std::move(listen_fd);
  return epoll_.Add(listen_.Get(), EPOLLIN, tag_(kListenTag, 0, 0));
}

std::optional<int> Server::Port() const {
  if (!listen_) return std::nullopt;
  auto port = os::BoundPort(listen_.Get());
  if (!port) return std::nullopt;
  return port.Value();
}

void Server::OnListen(base::TimePoint now) {
  // Bounded per wakeup so a connection flood cannot starve the rest of
  // the loop; level-triggered epoll calls again for the remainder.
  for (int n = 0; n < 64 && listen_ && !accept_paused_until_; ++n) {
    auto fd = os::AcceptTcp(listen_.Get());
    if (!fd) return PauseAccepting(fd.Err(), now);
    if (!*fd) return;
    if (clients_.size() >= config_.max_clients) EvictOldest();
    Admit(std::move(*fd), now);
  }
}

void Server::PauseAccepting(const base::Error& error, base::TimePoint now) {
  epoll_.Remove(listen_.Get());
  accept_paused_until_ = now + kAcceptPause;
  if (config_.log) {
    config_.log("http: " + error.Describe() + "; not accepting connections for " +
                base::FormatDuration(kAcceptPause));
  }
}

size_t Server::NextId() {
  do {
    next_id_ = next_id_ % kMaxId + 1;
  } while (clients_.count(next_id_));
  return next_id_;
}

void Server::Admit(base::UniqueFd fd, base::TimePoint now) {
  size_t id = NextId();
  if (!epoll_.Add(fd.Get(), kReadEvents, tag_(kClientTag, id, 0))) return;  // closes fd
  Client& c = clients_[id];
  c.fd = std::move(fd);
  c.parser = RequestParser(config_.limits);
  c.accepted = now;
  c.deadline = now + config_.request_timeout;
  c.watching = kReadEvents;
  ++stats_.accepted;
}

void Server::EvictOldest() {
  auto oldest = clients_.begin();
  for (auto it = clients_.begin(); it != clients_.end(); ++it) {
    if (it->second.accepted < oldest->second.accepted) oldest = it;
  }
  if (oldest == clients_.end()) return;
  ++stats_.evicted;
  Drop(oldest->first);
}

void Server::OnClient(size_t id, uint32_t events, base::TimePoint now) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;  // dropped earlier in this batch
  Client& c = it->second;
  if (events & EPOLLERR) return Drop(id);
  switch (c.phase) {
    case Phase::kReading:
      return ReadRequest(id, c, now);  // reads to EOF first: a half-close may follow a request
    case Phase::kWriting:
      if (events & EPOLLHUP) return Drop(id);
      return Flush(id, c, now);
    case Phase::kLingering: return Drain(id, c);
  }
}

void Server::ReadRequest(size_t id, Client& c, base::TimePoint now) {
  char buf[4096];
  // Ends within a few reads: the parser stops after max_head + 1 bytes.
  while (c.parser.state() == RequestParser::State::kNeedMore) {
    ssize_t n = read(c.fd.Get(), buf, sizeof buf);
    if (n > 0) {
      c.parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      return Drop(id);  // gone before a whole head: nobody to answer
    }
  }
  Respond(id, c, now);
}

Response Server::Answer(const RequestParser& parser) {
  if (parser.state() == RequestParser::State::kError) {
    return TextError(parser.error_status(), parser.error());
  }
  const Request& request = parser.request();
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = TextError(405);
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  return handler_(request);
}

void Server::Respond(size_t id, Client& c, base::TimePoint now) {
  bool head_only =
      c.parser.state() == RequestParser::State::kDone && c.parser.request().method == "HEAD";
  c.out = Serialize(Answer(c.parser), head_only);
  c.phase = Phase::kWriting;
  c.deadline = now + config_.write_timeout;
  ++stats_.answered;
  Flush(id, c, now);
}

void Server::Flush(size_t id, Client& c, base::TimePoint now) {
  while (c.sent < c.out.size()) {
    // MSG_NOSIGNAL inside: a peer that left gives EPIPE, not SIGPIPE.
    ssize_t n = os::SendSome(c.fd.Get(), c.out.data() + c.sent, c.out.size() - c.sent);
    if (n < 0) return Drop(id);
    if (n == 0) return Watch(id, c, EPOLLOUT);
    c.sent += static_cast<size_t>(n);
  }
  // Half-close: the client sees the end of the response, and we keep
  // reading so that input it still sends does not turn into a RST.
  shutdown(c.fd.Get(), SHUT_WR);
  c.out = std::string();
  c.phase = Phase::kLingering;
  c.deadline = now + config_.linger;
  Watch(id, c, kReadEvents);
  Drain(id, c);
}

void Server::Drain(size_t id, Client& c) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(c.fd.Get(), buf, sizeof buf);
    if (n > 0) {
      c.drained += static_cast<size_t>(n);
      if (c.drained > kMaxDrain) return Drop(id);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      return Drop(id);  // EOF: the client is done with us
    }
  }
}

void Server::Poll(base::TimePoint now) {
  if (accept_paused_until_ && now >= *accept_paused_until_) {
    accept_paused_until_.reset();
    (void)epoll_.Add(listen_.Get(), EPOLLIN, tag_(kListenTag, 0, 0));
  }
  std::vector<size_t> expired;
  for (auto& [id, c] : clients_) {
    if (now >= c.deadline) expired.push_back(id);
  }
  for (size_t id : expired) Expire(id, clients_.at(id));
}

// A client out of time is dropped now, whatever it is doing. One still
// sending its head gets a best-effort 408 first (a single non-blocking send).
void Server::Expire(size_t id, Client& c) {
  if (c.phase == Phase::kReading) {
    std::string reply = Serialize(TextError(408), false);
    (void)os::SendSome(c.fd.Get(), reply.data(), reply.size());
  }
  if (c.phase != Phase::kLingering) ++stats_.timed_out;
  Drop(id);
}

std::optional<base::TimePoint> Server::NextDeadline() const {
  std::optional<base::TimePoint> next = accept_paused_until_;
  for (const auto& [id, c] : clients_) {
    if (!next || c.deadline < *next) next = c.deadline;
  }
  return next;
}

void Server::Watch(size_t id, Client& c, uint32_t events) {
  if (events == c.watching) return;
  c.watching = events;
  (void)epoll_.Modify(c.fd.Get(), events, tag_(kClientTag, id, 0));
}

void Server::Drop(size_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  epoll_.Remove(it->second.fd.Get());
  clients_.erase(it);
}

}  // namespace http
