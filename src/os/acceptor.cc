#include "os/acceptor.h"

#include <sys/socket.h>

#include <cerrno>

#include "os/process.h"
#include "os/timer_fd.h"

namespace os {

Acceptor::Acceptor(Epoll& epoll, AcceptPolicy policy, Owner owner)
    : epoll_(epoll), policy_(policy), owner_(std::move(owner)) {}

base::Status Acceptor::Start(base::UniqueFd listen_fd) {
  listen_ = std::move(listen_fd);
  auto watch = epoll_.Add(listen_.Get(), EPOLLIN, [this](uint32_t) { OnReadable(); });
  if (!watch) return watch.Err();
  watch_ = std::move(*watch);
  return base::OkStatus();
}

void Acceptor::OnReadable() {
  for (int n = 0; n < kBurst && !paused_; ++n) {
    bool full = owner_.clients() >= policy_.max_clients;
    if (full) {
      auto room = owner_.room_at();
      if (!room || *room > Now()) return Pause("", room);  // no news worth a line
    }
    auto fd = Accept(listen_.Get());
    if (!fd) return Pause(fd.Err().Describe(), Now() + policy_.pause);
    if (!*fd) return;
    if (!Room(fd->Get())) {
      ++refused_;
      if (owner_.refuse) owner_.refuse(std::move(*fd));
      return Pause("fewer than " + std::to_string(policy_.reserve) +
                       " free file descriptors (RLIMIT_NOFILE " + std::to_string(FdLimit()) +
                       "); refusing connections",
                   Now() + policy_.pause);
    }
    if (full) owner_.make_room();  // only for a newcomer that is really there
    owner_.admit(std::move(*fd));
  }
}

// fds are handed out lowest first: getting number N means 0..N are all
// open, so N tells, without counting, how close tend is to its limit.
bool Acceptor::Room(int fd_number) {
  return static_cast<size_t>(fd_number) + policy_.reserve < FdLimit();
}

void Acceptor::Pause(const std::string& why, std::optional<base::TimePoint> until) {
  paused_ = true;
  resume_at_ = until;
  (void)watch_.Modify(0);
  if (why.empty() || !owner_.log) return;
  // Once per cause and minute: while the trouble lasts, pauses follow each
  // other every `pause`, and each would say the same.
  base::TimePoint now = Now();
  if (why == last_why_ && now < next_log_) {
    ++suppressed_;
    return;
  }
  std::string more = suppressed_ ? " (" + std::to_string(suppressed_) + " more pauses)" : "";
  owner_.log(why + "; not accepting connections for a while" + more);
  last_why_ = why;
  next_log_ = now + base::seconds(60);
  suppressed_ = 0;
}

void Acceptor::Poll(base::TimePoint now) {
  if (paused_ && resume_at_ && now >= *resume_at_) Resume();
}

void Acceptor::Resume() {
  if (!paused_) return;
  paused_ = false;
  resume_at_.reset();
  (void)watch_.Modify(EPOLLIN);
}

std::optional<base::TimePoint> Acceptor::NextDeadline() const { return resume_at_; }

base::Result<base::UniqueFd> Accept(int listen_fd) {
  int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) return base::UniqueFd(fd);
  switch (errno) {
    case EAGAIN:
    case EINTR:
    // A connection that failed between SYN and accept (accept(2) asks to
    // treat these like EAGAIN).
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH: return base::UniqueFd();
    default: return base::Errno("accept4");
  }
}

}  // namespace os
