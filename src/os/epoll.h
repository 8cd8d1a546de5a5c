// Epoll: the one wait of tend's event loop, sd-event style. Whoever owns an
// fd registers it with a handler and gets back an IoWatch; epoll's
// data.ptr points at the registration, so there are no tags to decode and
// nothing to collide, however many fds come and go.
//
// Two rules hold for every fd, so that no event can be reported again and
// again without being consumed (a spin is a property of the loop, not a bug
// of one fd):
// - EPOLLERR and EPOLLHUP are final. epoll reports them whatever interest
//   was asked for, so the handler sees them once (it must take what is
//   left to read then) and the loop takes the fd out of epoll afterwards.
//   Later Modify calls on that watch do nothing.
// - A watch reset during a batch (its owner dropped it, maybe from inside
//   its own handler) gets no further events from that batch; its memory
//   lives until the batch ends.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

class IoWatch;

class Epoll {
 public:
  using Handler = std::function<void(uint32_t events)>;

  static base::Result<Epoll> Create();
  Epoll(Epoll&&) noexcept;
  Epoll& operator=(Epoll&&) noexcept;
  ~Epoll();

  // Registers fd (not owned) for `events`. The returned watch must be reset
  // or destroyed before fd is closed.
  [[nodiscard]] base::Result<IoWatch> Add(int fd, uint32_t events, Handler handler);
  // Waits (timeout -1: forever) and runs the handler of each ready fd.
  // Returns how many events were dispatched.
  base::Result<int> Dispatch(int timeout_ms = -1);
  // How many fds the loop took out after an error or hang-up (metrics, tests).
  uint64_t hangups() const;
  size_t watches() const;  // registrations alive

  struct Entry;
  struct Impl;

 private:
  explicit Epoll(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One fd's registration. Move-only; unregisters on Reset or destruction.
class IoWatch {
 public:
  IoWatch() = default;
  ~IoWatch() { Reset(); }
  IoWatch(IoWatch&& other) noexcept;
  IoWatch& operator=(IoWatch&& other) noexcept;
  IoWatch(const IoWatch&) = delete;
  IoWatch& operator=(const IoWatch&) = delete;

  explicit operator bool() const { return entry_ != nullptr; }
  // Changes the events asked for; nothing once the fd hung up.
  base::Status Modify(uint32_t events);
  // False once the loop took the fd out after EPOLLERR/EPOLLHUP.
  bool Attached() const;
  void Reset();

 private:
  friend class Epoll;
  IoWatch(Epoll::Impl* impl, Epoll::Entry* entry) : impl_(impl), entry_(entry) {}
  Epoll::Impl* impl_ = nullptr;
  Epoll::Entry* entry_ = nullptr;
};

}  // namespace os
