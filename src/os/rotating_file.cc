#include "os/rotating_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace os {

base::Status RotatingFile::Write(std::string_view lines) {
  if (fd_ && size_ > 0 && size_ + lines.size() > max_size_) Rotate();
  if (!fd_) {
    if (auto st = Open(lines.size()); !st) return st;
  }
  base::Status st = Append(lines);
  if (!st) fd_.Reset();  // the next line opens the file again
  return st;
}

// Opens the file for appending, rotating it first when this write would
// take it over max_size.
base::Status RotatingFile::Open(uint64_t incoming) {
  fd_.Reset(open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd_) return base::Errno("open");
  struct stat st;
  size_ = fstat(fd_.Get(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  if (size_ > 0 && size_ + incoming > max_size_) Rotate();
  if (!fd_) fd_.Reset(open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd_) return base::Errno("open");
  return base::OkStatus();
}

base::Status RotatingFile::Append(std::string_view bytes) {
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = write(fd_.Get(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      base::Error error = base::Errno("write");
      if (n == 0) error.err = ENOSPC;  // a regular file writes nothing only when full
      // With O_APPEND the offset is the end of what this write added:
      // cut that off, so the file never ends in half a line.
      off_t end = written ? lseek(fd_.Get(), 0, SEEK_CUR) : -1;
      if (end >= static_cast<off_t>(written)) {
        (void)ftruncate(fd_.Get(), end - static_cast<off_t>(written));
      }
      return error;
    }
    written += static_cast<size_t>(n);
  }
  size_ += written;
  return base::OkStatus();
}

void RotatingFile::Rotate() {
  fd_.Reset();
  size_ = 0;
  if (keep_ <= 0) {
    unlink(path_.c_str());
    return;
  }
  for (int k = keep_ - 1; k >= 1; --k) {
    std::string from = path_ + "." + std::to_string(k);
    std::string to = path_ + "." + std::to_string(k + 1);
    rename(from.c_str(), to.c_str());
  }
  rename(path_.c_str(), (path_ + ".1").c_str());
  fd_.Reset(open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
}

}  // namespace os
