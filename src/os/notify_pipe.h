// NotifyPipe: s6-style readiness notification. The service gets the write
// end of a pipe as the fd number it chose (s6's notification-fd) and writes
// a newline once it is ready; tend reads the other end in its event loop.
// Usage: Create() before spawning, let the spawner dup2() child_end() to the
// service's notify fd, CloseChildEnd() right after the fork (or EOF never
// comes), register fd() for EPOLLIN and call Read() on each event. Once
// Read() says kReady or kClosed, remove fd() from epoll and destroy this.
#pragma once

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

class NotifyPipe {
 public:
  enum class Outcome {
    kPending,  // nothing decisive yet
    kReady,    // a newline arrived: the service is ready
    kClosed,   // every write end closed without a newline (e.g. the service exited)
  };

  static base::Result<NotifyPipe> Create();

  int fd() const { return read_end_.Get(); }
  // Close-on-exec like every fd of tend's; dup2() to the notify fd number
  // clears that flag on the copy. Caveat for the spawner: when child_end()
  // already has the wanted number, dup2() does nothing and the flag stays,
  // so it must clear FD_CLOEXEC itself.
  int child_end() const { return write_end_.Get(); }
  void CloseChildEnd() { write_end_.Reset(); }
  // Drains what is there without blocking. kReady is final: later calls
  // return it again without reading.
  Outcome Read();

 private:
  NotifyPipe(base::UniqueFd read_end, base::UniqueFd write_end)
      : read_end_(std::move(read_end)), write_end_(std::move(write_end)) {}

  base::UniqueFd read_end_;
  base::UniqueFd write_end_;
  bool ready_ = false;
};

}  // namespace os
