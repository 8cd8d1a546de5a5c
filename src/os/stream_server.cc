#include "os/stream_server.h"

#include <sys/epoll.h>

#include "os/timer_fd.h"
#include "os/unix_socket.h"

namespace os {
namespace {

constexpr uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP;

}  // namespace

void Stream::Send(const std::string& data) { out_ += data; }

void Stream::Close(const std::string& last_words) {
  (void)SendSome(fd(), last_words.data(), last_words.size());
  closed_ = true;
}

StreamServer::StreamServer(Epoll& epoll, StreamPolicy policy, Hooks hooks)
    : epoll_(epoll), policy_(policy), hooks_(std::move(hooks)), next_id_(policy.first_id) {}

base::Status StreamServer::Listen(base::UniqueFd listen_fd) {
  AcceptPolicy accept;
  accept.max_clients = policy_.max_clients;
  accept.reserve = policy_.reserve;
  accept.pause = policy_.pause;
  Acceptor::Owner owner;
  owner.clients = [this] { return clients_.size(); };
  owner.room_at = [this] { return RoomAt(); };
  owner.make_room = [this] { MakeRoom(); };
  owner.admit = [this](base::UniqueFd fd) { Admit(std::move(fd)); };
  if (hooks_.busy) owner.refuse = [this](base::UniqueFd fd) { hooks_.busy(fd.Get()); };
  owner.log = hooks_.log;
  acceptor_.emplace(epoll_, accept, std::move(owner));
  return acceptor_->Start(std::move(listen_fd));
}

void StreamServer::Admit(base::UniqueFd fd) {
  base::TimePoint now = Now();
  std::unique_ptr<Session> session = hooks_.open(fd.Get(), now);
  if (!session) return;  // turned away: fd closes here
  uint64_t id = next_id_++;
  auto watch =
      epoll_.Add(fd.Get(), kReadEvents, [this, id](uint32_t events) { OnEvents(id, events); });
  if (!watch) return;
  Client& c = clients_[id];
  c.stream.id_ = id;
  c.stream.fd_ = std::move(fd);
  c.stream.watch_ = std::move(*watch);
  c.stream.watched_ = kReadEvents;
  c.session = std::move(session);
  ++accepted_;
}

// The client stalled longest that its session lets go.
std::map<uint64_t, StreamServer::Client>::iterator StreamServer::Stalest() {
  auto victim = clients_.end();
  std::optional<base::TimePoint> oldest;
  for (auto it = clients_.begin(); it != clients_.end(); ++it) {
    std::optional<base::TimePoint> since = it->second.session->StalledSince(it->second.stream);
    if (since && (!oldest || *since < *oldest)) {
      victim = it;
      oldest = since;
    }
  }
  return victim;
}

// When a newcomer over the cap may replace a client; nullopt while every
// client is busy (one leaving resumes accepting).
std::optional<base::TimePoint> StreamServer::RoomAt() {
  auto victim = Stalest();
  if (victim == clients_.end()) return std::nullopt;
  return *victim->second.session->StalledSince(victim->second.stream) + policy_.evict_after;
}

void StreamServer::MakeRoom() {
  auto victim = Stalest();
  if (victim == clients_.end()) return;  // room_at said there was one; be sure
  ++evicted_;
  if (hooks_.evicted) hooks_.evicted();
  Remove(victim->first);
}

void StreamServer::OnEvents(uint64_t id, uint32_t events) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;  // removed earlier in this batch
  if (events & EPOLLERR) return Remove(id);
  Client& c = it->second;
  base::TimePoint now = Now();
  if (c.stream.drain_until_) {
    Drain(c.stream);
  } else if ((events & (kReadEvents | EPOLLHUP)) && c.stream.out_.empty() && !c.stream.finishing_) {
    Read(c, now);
  }
  Settle(id, now);
  // A hang-up is final: the loop stops watching the fd after this call.
  if (events & EPOLLHUP) Remove(id);
}

void StreamServer::Read(Client& c, base::TimePoint now) {
  auto n = ReceiveSome(c.stream.fd(), c.stream.in_, policy_.read_chunk);
  if (!n) {
    c.stream.Close();  // EOF or an error: the client is gone
    return;
  }
  if (*n > 0) c.session->Received(c.stream, now);
}

// After a half-close: what the peer still sends is read and dropped, up to
// max_drain, until it closes too or the linger time is up.
void StreamServer::Drain(Stream& s) {
  std::string buf;
  for (;;) {
    buf.clear();
    auto n = ReceiveSome(s.fd(), buf, 4096);
    if (!n) return s.Close();  // EOF: the peer is done with us
    if (*n == 0) return;
    s.drained_ += *n;
    if (s.drained_ > policy_.max_drain) return s.Close();
  }
}

// Sends what the socket takes; true when all of it went.
bool StreamServer::Flush(Stream& s) {
  while (!s.out_.empty()) {
    // MSG_NOSIGNAL inside: a peer that left gives EPIPE, not SIGPIPE.
    ssize_t n = SendSome(s.fd(), s.out_.data(), s.out_.size());
    if (n < 0) {
      s.Close();
      return false;
    }
    if (n == 0) return false;
    s.out_.erase(0, static_cast<size_t>(n));
  }
  s.flushed_news_ = true;
  return true;
}

// Carries out what a session asked for: sends its output, tells it when
// all of it went (it may queue more then), finishes or closes it.
void StreamServer::Settle(uint64_t id, base::TimePoint now) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Stream& s = it->second.stream;
  while (!s.closed_) {
    if (!s.out_.empty() && !Flush(s)) break;
    if (s.finishing_) {
      if (policy_.linger <= base::Duration::zero()) {
        s.Close();
      } else if (!s.drain_until_) {
        // The peer sees the end of the reply; we keep reading so that what
        // it still sends does not turn into a RST.
        ShutdownWrite(s.fd());
        s.drain_until_ = now + policy_.linger;
        Drain(s);
      }
      break;
    }
    if (!s.flushed_news_) break;
    s.flushed_news_ = false;
    it->second.session->Sent(s, now);
  }
  if (s.closed_) return Remove(id);
  Rewatch(s);
}

// While output is unsent only writability matters: reading more requests
// would only grow what the client does not take.
void StreamServer::Rewatch(Stream& s) {
  uint32_t events = !s.out_.empty()                   ? uint32_t{EPOLLOUT}
                    : s.finishing_ && !s.drain_until_ ? 0
                                                      : kReadEvents;
  if (events == s.watched_) return;
  s.watched_ = events;
  (void)s.watch_.Modify(events);
}

void StreamServer::Remove(uint64_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  clients_.erase(it);  // the watch goes before the fd (member order)
  if (acceptor_) acceptor_->Resume();
}

std::optional<base::TimePoint> StreamServer::DueAt(const Client& c) const {
  if (c.stream.drain_until_) return c.stream.drain_until_;
  return c.session->Deadline();
}

void StreamServer::Poll(base::TimePoint now) {
  for (uint64_t id : Ids()) {
    auto it = clients_.find(id);
    if (it == clients_.end()) continue;
    std::optional<base::TimePoint> due = DueAt(it->second);
    if (!due || now < *due) continue;
    if (it->second.stream.drain_until_) {
      Remove(id);
      continue;
    }
    it->second.session->Expired(it->second.stream, now);
    Settle(id, now);
  }
  if (acceptor_) acceptor_->Poll(now);
}

std::optional<base::TimePoint> StreamServer::NextDeadline() const {
  std::optional<base::TimePoint> next = acceptor_ ? acceptor_->NextDeadline() : std::nullopt;
  for (const auto& [id, c] : clients_) {
    std::optional<base::TimePoint> due = DueAt(c);
    if (due && (!next || *due < *next)) next = due;
  }
  return next;
}

std::vector<uint64_t> StreamServer::Ids() const {
  std::vector<uint64_t> ids;
  ids.reserve(clients_.size());
  for (const auto& [id, c] : clients_) ids.push_back(id);
  return ids;
}

}  // namespace os
