// StreamServer: the one base under tend's socket servers (the control
// socket, http_listen). It owns the listening socket (through os::Acceptor:
// accept bursts, fd headroom, pauses on EMFILE), the client table and each
// client's fd and watch, and does for every protocol what was written twice
// before and had drifted apart:
// - bounded input: at most `read_chunk` bytes per wake-up land in `in`,
//   and nothing is read while a reply is unsent (back-pressure: a client
//   that does not take its replies cannot make tend buffer more input);
// - output queued whole and flushed as the socket takes it; Finish() ends a
//   connection once its output is out, after a half-close and a bounded
//   drain (`linger`), so that input the peer still sends cannot turn into a
//   RST that destroys the reply before it is read;
// - deadlines: each session says when it is due (Session::Deadline), the
//   server calls Expired then (the default closes);
// - the client cap: at `max_clients`, a newcomer replaces the client stalled
//   longest (Session::StalledSince) once it has been stalled `evict_after`;
//   a session that is busy is never evicted, and while every one is, new
//   connections wait in the kernel's backlog;
// - hang-ups and errors: what is left to read is delivered, then the client
//   goes (the loop takes the fd out after EPOLLHUP/EPOLLERR anyway).
// A session asks for its own end with Close()/Finish(); the server removes
// it after the callback returns, never from under it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "os/acceptor.h"
#include "os/epoll.h"

namespace os {

struct StreamPolicy {
  size_t max_clients = 64;
  size_t reserve = 16;  // fds kept free for the rest of tend (os::Acceptor)
  base::Duration pause = base::milliseconds(250);
  base::Duration evict_after = base::Duration::zero();
  size_t read_chunk = 16384;                       // bytes read per wake-up
  base::Duration linger = base::Duration::zero();  // draining after Finish(); 0: close at once
  size_t max_drain = size_t{64} * 1024;            // bytes discarded while draining
  uint64_t first_id = 1;                           // tests start at old wrap points (2^24, 2^32)
};

// One client connection, as its session sees it.
class Stream {
 public:
  uint64_t id() const { return id_; }
  int fd() const { return fd_.Get(); }
  // What arrived and the session has not consumed yet.
  std::string& in() { return in_; }
  // Queued whole, sent as the socket takes it.
  void Send(const std::string& data);
  size_t Unsent() const { return out_.size(); }
  // Close once the output is sent (after a half-close and drain if the
  // policy lingers).
  void Finish() { finishing_ = true; }
  bool Finishing() const { return finishing_; }
  void Close() { closed_ = true; }  // now; unsent output is lost
  // Now, after one best-effort send of `last_words` (a timeout notice to a
  // client that may not be reading).
  void Close(const std::string& last_words);

 private:
  friend class StreamServer;
  uint64_t id_ = 0;
  base::UniqueFd fd_;
  IoWatch watch_;  // after fd_: unregistered before it closes
  uint32_t watched_ = 0;
  std::string in_, out_;
  bool finishing_ = false;
  bool closed_ = false;
  bool flushed_news_ = false;                   // output went out since Sent() was last called
  std::optional<base::TimePoint> drain_until_;  // set once half-closed
  size_t drained_ = 0;
};

// A protocol's side of one connection.
class Session {
 public:
  virtual ~Session() = default;
  // `stream.in()` grew.
  virtual void Received(Stream& stream, base::TimePoint now) = 0;
  // Everything queued was taken by the socket.
  virtual void Sent(Stream& /*stream*/, base::TimePoint /*now*/) {}
  // When Expired is due; nullopt: never.
  virtual std::optional<base::TimePoint> Deadline() const = 0;
  virtual void Expired(Stream& stream, base::TimePoint /*now*/) { stream.Close(); }
  // Since when it has made no progress, for eviction; nullopt while busy
  // (it may not be evicted then).
  virtual std::optional<base::TimePoint> StalledSince(const Stream& stream) const = 0;
};

class StreamServer {
 public:
  struct Hooks {
    // A new connection: its session, or nullptr to turn it away (the
    // protocol may write a refusal to the fd first; it is closed after).
    std::function<std::unique_ptr<Session>(int fd, base::TimePoint now)> open;
    // One closed for lack of fds (may be empty).
    std::function<void(int fd)> busy;
    std::function<void(const std::string&)> log;  // server-level trouble (may be empty)
    std::function<void()> evicted;                // one went to make room (may be empty)
  };

  StreamServer(Epoll& epoll, StreamPolicy policy, Hooks hooks);
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  // Serves `listen_fd` (non-blocking, listening).
  base::Status Listen(base::UniqueFd listen_fd);
  int listen_fd() const { return acceptor_ ? acceptor_->fd() : -1; }
  bool Listening() const { return acceptor_.has_value(); }

  // Runs `fn` over every client whose session is an S (each protocol has
  // one session type), then settles each (sends, closes).
  template <class S>
  void ForEach(const std::function<void(Stream&, S&)>& fn, base::TimePoint now) {
    for (uint64_t id : Ids()) {
      auto it = clients_.find(id);
      if (it == clients_.end()) continue;
      fn(it->second.stream, static_cast<S&>(*it->second.session));
      Settle(id, now);
    }
  }
  template <class S>
  bool Any(const std::function<bool(const S&)>& fn) const {
    for (const auto& [id, c] : clients_) {
      if (fn(static_cast<const S&>(*c.session))) return true;
    }
    return false;
  }
  template <class S>
  size_t Count(const std::function<bool(const S&)>& fn) const {
    size_t n = 0;
    for (const auto& [id, c] : clients_) n += fn(static_cast<const S&>(*c.session)) ? 1 : 0;
    return n;
  }

  // Expires due sessions and drains, and ends the acceptor's pauses.
  void Poll(base::TimePoint now);
  std::optional<base::TimePoint> NextDeadline() const;
  size_t ClientCount() const { return clients_.size(); }
  uint64_t accepted() const { return accepted_; }
  uint64_t evicted() const { return evicted_; }

 private:
  struct Client {
    Stream stream;
    std::unique_ptr<Session> session;
  };

  void Admit(base::UniqueFd fd);
  std::map<uint64_t, Client>::iterator Stalest();
  std::optional<base::TimePoint> RoomAt();
  void MakeRoom();
  void OnEvents(uint64_t id, uint32_t events);
  void Read(Client& c, base::TimePoint now);
  void Drain(Stream& s);
  bool Flush(Stream& s);
  void Settle(uint64_t id, base::TimePoint now);
  void Rewatch(Stream& s);
  void Remove(uint64_t id);
  std::optional<base::TimePoint> DueAt(const Client& c) const;
  std::vector<uint64_t> Ids() const;

  Epoll& epoll_;
  StreamPolicy policy_;
  Hooks hooks_;
  std::map<uint64_t, Client> clients_;
  uint64_t next_id_;  // 64 bits: never wraps, so ids never collide
  uint64_t accepted_ = 0;
  uint64_t evicted_ = 0;
  std::optional<Acceptor> acceptor_;  // after clients_: goes first
};

}  // namespace os
