#include "os/fd_writer.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/timer_fd.h"

namespace os {

FdWriter::FdWriter(int fd, bool nonblocking, size_t high_mark) : fd_(fd), high_mark_(high_mark) {
  if (!nonblocking) return;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) fcntl(fd, F_SETPIPE_SZ, 1 << 20);  // best effort
  saved_flags_ = fcntl(fd, F_GETFL);
  if (saved_flags_ >= 0) fcntl(fd, F_SETFL, saved_flags_ | O_NONBLOCK);
}

FdWriter::~FdWriter() { Finish(base::Duration::zero()); }

// Written straight from `bytes` when nothing waits before them: only what
// the fd does not take now is copied.
void FdWriter::Append(std::string_view bytes) {
  if (broken_) return;
  if (Pending()) {
    buffer_.append(bytes);
    Flush();
    return;
  }
  size_t done = Write(bytes);
  start_ = 0;
  if (!broken_) buffer_.assign(bytes.substr(done));
}

void FdWriter::Flush() {
  start_ += Write(std::string_view(buffer_).substr(start_));
  if (broken_ || start_ == buffer_.size()) {
    if (broken_) buffer_ = std::string();
    buffer_.clear();
    start_ = 0;
  } else if (start_ >= buffer_.size() / 2) {
    // Written bytes leave the front only once they are half the buffer,
    // so a slow reader costs no memmove per write.
    buffer_.erase(0, start_);
    start_ = 0;
  }
}

// Writes what the fd takes now; the bytes written.
size_t FdWriter::Write(std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size() && !broken_) {
    ssize_t n = write(fd_, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      break;
    } else {
      broken_ = true;  // closed or failing output: nothing we can do but drop
      broken_reason_ = n < 0 ? std::strerror(errno) : "write returned 0";
    }
  }
  return done;
}

size_t FdWriter::Finish(base::Duration max_wait) {
  // Stay non-blocking while waiting: poll bounds the wait, write never does.
  int flags = fcntl(fd_, F_GETFL);
  if (flags >= 0 && !(flags & O_NONBLOCK)) fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  base::TimePoint deadline = Now() + max_wait;
  Flush();
  while (Pending() && !broken_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Now()).count();
    if (left <= 0) break;
    pollfd p{fd_, POLLOUT, 0};
    if (poll(&p, 1, static_cast<int>(left)) < 0 && errno != EINTR) break;
    Flush();
  }
  size_t dropped = buffer_.size() - start_;
  buffer_ = std::string();
  start_ = 0;
  int restore = saved_flags_ >= 0 ? saved_flags_ : flags;
  if (restore >= 0) fcntl(fd_, F_SETFL, restore);
  saved_flags_ = -1;
  return dropped;
}

}  // namespace os
