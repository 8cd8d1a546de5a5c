// Acceptor: a listening socket in the event loop, with the one accept
// policy both of tend's servers (control socket, HTTP) follow:
// - at most kBurst accepts per wake-up, so a connection flood cannot
//   starve the rest of the loop (level-triggered epoll calls again);
// - fd headroom: a connection that would leave tend fewer than `reserve`
//   free fds under RLIMIT_NOFILE is closed at once and accepting pauses,
//   because tend needs fds to restart services (pidfds, pipes);
// - on EMFILE/ENFILE/ENOBUFS/ENOMEM accepting pauses too: the socket stays
//   readable, so retrying at once would spin the loop. A pause ends after
//   `pause`, or earlier when the owner says a client left (Resume);
// - the owner caps its clients: at the cap, a newcomer is accepted only
//   when the owner may evict one (then it does); else accepting pauses
//   until a client leaves, and new connections wait in the kernel's
//   backlog (nobody is turned away while being served is only a matter
//   of time).
// Each trouble is logged once a minute at most, never once per connection.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "os/epoll.h"

namespace os {

struct AcceptPolicy {
  size_t max_clients = 64;
  size_t reserve = 16;  // fds kept free for everything else tend does
  base::Duration pause = base::milliseconds(250);
};

class Acceptor {
 public:
  struct Owner {
    std::function<size_t()> clients;  // how many it holds now
    // When one client may be evicted: now (or earlier), later, or nullopt
    // when none may (every one is busy: a client leaving resumes accepting).
    std::function<std::optional<base::TimePoint>()> room_at;
    std::function<void()> make_room;             // evict that one
    std::function<void(base::UniqueFd)> admit;   // a new client
    std::function<void(base::UniqueFd)> refuse;  // one turned away (may be empty)
    std::function<void(const std::string&)> log;
  };
  static constexpr int kBurst = 64;

  Acceptor(Epoll& epoll, AcceptPolicy policy, Owner owner);
  // Watches `listen_fd` (non-blocking, listening).
  base::Status Start(base::UniqueFd listen_fd);
  int fd() const { return listen_.Get(); }
  bool Paused() const { return paused_; }
  // Ends a pause that is due (`now` past it), for the loop's timer.
  void Poll(base::TimePoint now);
  // A client left: there may be room (and fds) again.
  void Resume();
  std::optional<base::TimePoint> NextDeadline() const;
  uint64_t refused() const { return refused_; }

 private:
  void OnReadable();
  bool Room(int fd_number);
  void Pause(const std::string& why, std::optional<base::TimePoint> until);

  Epoll& epoll_;
  AcceptPolicy policy_;
  Owner owner_;
  base::UniqueFd listen_;
  IoWatch watch_;  // after listen_: unregistered before it closes
  bool paused_ = false;
  std::optional<base::TimePoint> resume_at_;
  uint64_t refused_ = 0;
  std::string last_why_;  // what was logged last, and when it may be again
  base::TimePoint next_log_{};
  uint64_t suppressed_ = 0;
};

// Accepts one connection (non-blocking, close-on-exec). An invalid fd when
// none is waiting or it failed in a way accept(2) says to treat as such.
base::Result<base::UniqueFd> Accept(int listen_fd);

}  // namespace os
