#include "os/fd_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace os {

FdWriter::FdWriter(int fd, bool nonblocking, size_t high_mark) : fd_(fd), high_mark_(high_mark) {
  if (!nonblocking) return;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) fcntl(fd, F_SETPIPE_SZ, 1 << 20);  // best effort
  saved_flags_ = fcntl(fd, F_GETFL);
  if (saved_flags_ >= 0) fcntl(fd, F_SETFL, saved_flags_ | O_NONBLOCK);
}

FdWriter::~FdWriter() { Finish(); }

void FdWriter::Append(std::string_view bytes) {
  if (broken_) return;
  buffer_.append(bytes);
  Flush();
}

void FdWriter::Flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      break;
    } else {
      broken_ = true;  // closed or failing output: nothing we can do but drop
      buffer_.clear();
      return;
    }
  }
  buffer_.erase(0, done);
}

void FdWriter::Finish() {
  if (saved_flags_ >= 0) {
    fcntl(fd_, F_SETFL, saved_flags_);
    saved_flags_ = -1;
  }
  Flush();
}

}  // namespace os
