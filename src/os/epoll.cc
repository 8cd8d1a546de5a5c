#include "os/epoll.h"

#include <cerrno>

namespace os {

base::Result<Epoll> Epoll::Create() {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return base::Errno("epoll_create1");
  return Epoll(base::UniqueFd(fd));
}

base::Status Epoll::Add(int fd, uint32_t events, uint64_t tag) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  if (epoll_ctl(fd_.Get(), EPOLL_CTL_ADD, fd, &ev) < 0) return base::Errno("epoll_ctl(ADD)");
  return base::OkStatus();
}

base::Status Epoll::Modify(int fd, uint32_t events, uint64_t tag) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  if (epoll_ctl(fd_.Get(), EPOLL_CTL_MOD, fd, &ev) < 0) return base::Errno("epoll_ctl(MOD)");
  return base::OkStatus();
}

void Epoll::Remove(int fd) { epoll_ctl(fd_.Get(), EPOLL_CTL_DEL, fd, nullptr); }

base::Status Epoll::Wait(std::vector<epoll_event>& events, int timeout_ms) {
  events.resize(64);
  int n = epoll_wait(fd_.Get(), events.data(), static_cast<int>(events.size()), timeout_ms);
  if (n < 0) {
    events.clear();
    if (errno == EINTR) return base::OkStatus();
    return base::Errno("epoll_wait");
  }
  events.resize(static_cast<size_t>(n));
  return base::OkStatus();
}

}  // namespace os
