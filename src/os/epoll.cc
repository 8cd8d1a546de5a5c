#include "os/epoll.h"

#include <cerrno>

namespace os {

struct Epoll::Entry {
  int fd = -1;
  uint32_t events = 0;
  Handler handler;
  bool attached = true;  // in epoll
  bool dead = false;     // reset by its owner; freed after the batch
};

struct Epoll::Impl {
  base::UniqueFd fd;
  std::vector<epoll_event> ready;
  bool dispatching = false;
  std::vector<std::unique_ptr<Entry>> graveyard;  // entries reset mid-batch
  uint64_t hangups = 0;
  size_t live = 0;

  void Detach(Entry* e) {
    if (!e->attached) return;
    epoll_ctl(fd.Get(), EPOLL_CTL_DEL, e->fd, nullptr);
    e->attached = false;
  }
  void Release(Entry* e) {
    Detach(e);
    e->dead = true;
    --live;
    // Its handler may be the one running now: keep it alive until the
    // batch is over, and skip it for the rest of the batch.
    if (dispatching) {
      graveyard.emplace_back(e);
    } else {
      delete e;
    }
  }
};

base::Result<Epoll> Epoll::Create() {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return base::Errno("epoll_create1");
  auto impl = std::make_unique<Impl>();
  impl->fd = base::UniqueFd(fd);
  return Epoll(std::move(impl));
}

Epoll::Epoll(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Epoll::Epoll(Epoll&&) noexcept = default;
Epoll& Epoll::operator=(Epoll&&) noexcept = default;
Epoll::~Epoll() = default;

base::Result<IoWatch> Epoll::Add(int fd, uint32_t events, Handler handler) {
  auto entry = std::make_unique<Entry>();
  entry->fd = fd;
  entry->events = events;
  entry->handler = std::move(handler);
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = entry.get();
  if (epoll_ctl(impl_->fd.Get(), EPOLL_CTL_ADD, fd, &ev) < 0) return base::Errno("epoll_ctl(ADD)");
  ++impl_->live;
  return IoWatch(impl_.get(), entry.release());
}

base::Result<int> Epoll::Dispatch(int timeout_ms) {
  Impl& im = *impl_;
  im.ready.resize(64);
  int n = epoll_wait(im.fd.Get(), im.ready.data(), static_cast<int>(im.ready.size()), timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return 0;
    return base::Errno("epoll_wait");
  }
  im.dispatching = true;
  for (int k = 0; k < n; ++k) {
    auto* e = static_cast<Entry*>(im.ready[static_cast<size_t>(k)].data.ptr);
    uint32_t events = im.ready[static_cast<size_t>(k)].events;
    if (e->dead || !e->attached) continue;
    e->handler(events);
    if ((events & (EPOLLERR | EPOLLHUP)) && !e->dead && e->attached) {
      im.Detach(e);  // final: never reported again
      ++im.hangups;
    }
  }
  im.dispatching = false;
  im.graveyard.clear();
  return n;
}

uint64_t Epoll::hangups() const { return impl_->hangups; }
size_t Epoll::watches() const { return impl_->live; }

IoWatch::IoWatch(IoWatch&& other) noexcept
    : impl_(std::exchange(other.impl_, nullptr)), entry_(std::exchange(other.entry_, nullptr)) {}

IoWatch& IoWatch::operator=(IoWatch&& other) noexcept {
  if (this != &other) {
    Reset();
    impl_ = std::exchange(other.impl_, nullptr);
    entry_ = std::exchange(other.entry_, nullptr);
  }
  return *this;
}

base::Status IoWatch::Modify(uint32_t events) {
  if (!entry_ || !entry_->attached || entry_->events == events) return base::OkStatus();
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = entry_;
  if (epoll_ctl(impl_->fd.Get(), EPOLL_CTL_MOD, entry_->fd, &ev) < 0) {
    return base::Errno("epoll_ctl(MOD)");
  }
  entry_->events = events;
  return base::OkStatus();
}

bool IoWatch::Attached() const { return entry_ && entry_->attached; }

void IoWatch::Reset() {
  if (!entry_) return;
  impl_->Release(std::exchange(entry_, nullptr));
  impl_ = nullptr;
}

}  // namespace os
