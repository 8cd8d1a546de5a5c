#include "http/server.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "os/tcp_listen.h"
#include "os/timer_fd.h"
#include "os/unix_socket.h"

namespace http {
namespace {

// What a client may still send after its response before it is cut off.
constexpr size_t kMaxDrain = size_t{64} * 1024;
constexpr uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP;

}  // namespace

Server::Server(os::Epoll& epoll, ServerConfig config, Handler handler)
    : epoll_(epoll), config_(std::move(config)), handler_(std::move(handler)) {}

base::Status Server::Listen() {
  auto fd = os::ListenTcp(config_.listen);
  if (!fd) return fd.Err();
  return Listen(std::move(*fd));
}

base::Status Server::Listen(base::UniqueFd listen_fd) {
  os::AcceptPolicy policy;
  policy.max_clients = config_.max_clients;
  os::Acceptor::Owner owner;
  owner.clients = [this] { return clients_.size(); };
  // The oldest connection may always go: a real probe is done in
  // milliseconds, so the longest-open one is almost surely stalled.
  owner.room_at = [] { return std::optional<base::TimePoint>(base::TimePoint{}); };
  owner.make_room = [this] { EvictOldest(); };
  owner.admit = [this](base::UniqueFd fd) { Admit(std::move(fd)); };
  owner.log = config_.log;
  acceptor_.emplace(epoll_, policy, std::move(owner));
  return acceptor_->Start(std::move(listen_fd));
}

std::optional<int> Server::Port() const {
  if (!acceptor_) return std::nullopt;
  auto port = os::BoundPort(acceptor_->fd());
  if (!port) return std::nullopt;
  return port.Value();
}

void Server::Admit(base::UniqueFd fd) {
  size_t id = ++next_id_;
  auto watch =
      epoll_.Add(fd.Get(), kReadEvents, [this, id](uint32_t events) { OnClient(id, events); });
  if (!watch) return;  // closes fd
  base::TimePoint now = os::Now();
  Client& c = clients_[id];
  c.fd = std::move(fd);
  c.watch = std::move(*watch);
  c.parser = RequestParser(config_.limits);
  c.accepted = now;
  c.deadline = now + config_.request_timeout;
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

void Server::OnClient(size_t id, uint32_t events) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;  // dropped earlier in this batch
  Client& c = it->second;
  base::TimePoint now = os::Now();
  if (events & EPOLLERR) return Drop(id);
  switch (c.phase) {
    case Phase::kReading:
      ReadRequest(id, c, now);  // reads to EOF first: a half-close may follow a request
      break;
    case Phase::kWriting:
      if (events & EPOLLHUP) return Drop(id);
      Flush(id, c, now);
      break;
    case Phase::kLingering: Drain(id, c); break;
  }
  // A hang-up is final: the loop stops watching the fd after this call.
  if (events & EPOLLHUP) Drop(id);
}

void Server::ReadRequest(size_t id, Client& c, base::TimePoint now) {
  std::string buf;
  // Ends within a few reads: the parser stops after max_head + 1 bytes.
  while (c.parser.state() == RequestParser::State::kNeedMore) {
    buf.clear();
    auto n = os::ReceiveSome(c.fd.Get(), buf, 4096);
    if (!n) return Drop(id);  // gone before a whole head: nobody to answer
    if (*n == 0) return;
    c.parser.Feed(buf);
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
  // From when the response is ready: making a large one takes time too.
  now = std::max(now, os::Now());
  c.deadline = now + config_.write_timeout;
  ++stats_.answered;
  Flush(id, c, now);
}

void Server::Flush(size_t id, Client& c, base::TimePoint now) {
  while (c.sent < c.out.size()) {
    // MSG_NOSIGNAL inside: a peer that left gives EPIPE, not SIGPIPE.
    ssize_t n = os::SendSome(c.fd.Get(), c.out.data() + c.sent, c.out.size() - c.sent);
    if (n < 0) return Drop(id);
    if (n == 0) return Watch(c, EPOLLOUT);
    c.sent += static_cast<size_t>(n);
  }
  // Half-close: the client sees the end of the response, and we keep
  // reading so that input it still sends does not turn into a RST.
  os::ShutdownWrite(c.fd.Get());
  c.out = std::string();
  c.phase = Phase::kLingering;
  c.deadline = now + config_.linger;
  Watch(c, kReadEvents);
  Drain(id, c);
}

void Server::Drain(size_t id, Client& c) {
  std::string buf;
  for (;;) {
    buf.clear();
    auto n = os::ReceiveSome(c.fd.Get(), buf, 4096);
    if (!n) return Drop(id);  // EOF: the client is done with us
    if (*n == 0) return;
    c.drained += *n;
    if (c.drained > kMaxDrain) return Drop(id);
  }
}

void Server::Poll(base::TimePoint now) {
  if (acceptor_) acceptor_->Poll(now);
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
  std::optional<base::TimePoint> next = acceptor_ ? acceptor_->NextDeadline() : std::nullopt;
  for (const auto& [id, c] : clients_) {
    if (!next || c.deadline < *next) next = c.deadline;
  }
  return next;
}

void Server::Watch(Client& c, uint32_t events) { (void)c.watch.Modify(events); }

void Server::Drop(size_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  clients_.erase(it);  // the watch goes before the fd (member order)
  if (acceptor_) acceptor_->Resume();
}

}  // namespace http
