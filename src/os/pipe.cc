#include "os/pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace os {

constexpr int kPipeSize = 1 << 20;

base::Result<Pipe> MakeOutputPipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return base::Errno("pipe2");
  Pipe p{base::UniqueFd(fds[0]), base::UniqueFd(fds[1])};
  // Only tend's end is non-blocking: a service must block when it outruns us.
  int flags = fcntl(fds[0], F_GETFL);
  fcntl(fds[0], F_SETFL, flags | O_NONBLOCK);
  // A larger pipe means fewer wake-ups for a chatty service (best effort:
  // the kernel allocates the pages only as they fill).
  fcntl(fds[0], F_SETPIPE_SZ, kPipeSize);
  return p;
}

size_t ReadAvailable(int fd, std::string& out, size_t max) {
  size_t old = out.size();
  out.resize(old + max);
  size_t n = ReadSome(fd, out.data() + old, max);
  out.resize(old + n);
  return n;
}

size_t ReadSome(int fd, char* buffer, size_t max) {
  ssize_t n;
  do {
    n = read(fd, buffer, max);
  } while (n < 0 && errno == EINTR);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

}  // namespace os
