#include "os/notify_pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace os {

base::Result<NotifyPipe> NotifyPipe::Create() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return base::Errno("pipe2");
  base::UniqueFd read_end(fds[0]), write_end(fds[1]);
  // Only tend's end is non-blocking: O_NONBLOCK belongs to the open file,
  // which the service's copy shares, and a service may not expect it.
  int flags = fcntl(fds[0], F_GETFL);
  if (flags < 0 || fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) < 0)
    return base::Errno("fcntl O_NONBLOCK");
  return NotifyPipe(std::move(read_end), std::move(write_end));
}

NotifyPipe::Outcome NotifyPipe::Read() {
  // s6 semantics: whatever precedes the newline is ignored, and so is
  // anything after it.
  char buf[512];
  while (!ready_) {
    ssize_t n = read(read_end_.Get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Outcome::kPending;  // EAGAIN: the service has not finished
    if (n == 0) return Outcome::kClosed;
    ready_ = std::memchr(buf, '\n', static_cast<size_t>(n)) != nullptr;
  }
  return Outcome::kReady;
}

}  // namespace os
