// Epoll: the one wait of tend's event loop. Each registered fd carries a
// 64-bit tag that tells the loop what it is (signalfd, a pidfd, a pipe...).
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

class Epoll {
 public:
  static base::Result<Epoll> Create();

  base::Status Add(int fd, uint32_t events, uint64_t tag);
  base::Status Modify(int fd, uint32_t events, uint64_t tag);
  void Remove(int fd);
  // Blocks until at least one event (timeout -1) and fills `events`.
  base::Status Wait(std::vector<epoll_event>& events, int timeout_ms = -1);

 private:
  explicit Epoll(base::UniqueFd fd) : fd_(std::move(fd)) {}
  base::UniqueFd fd_;
};

}  // namespace os
