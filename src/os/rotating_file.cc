#include "os/rotating_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace os {

bool RotatingFile::Write(std::string_view bytes) {
  if (fd_ && size_ > 0 && size_ + bytes.size() > max_size_) Rotate();
  if (!fd_) {
    fd_.Reset(open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (!fd_) return false;
    struct stat st;
    size_ = fstat(fd_.Get(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    if (size_ > 0 && size_ + bytes.size() > max_size_) Rotate();
    if (!fd_) fd_.Reset(open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (!fd_) return false;
  }
  while (!bytes.empty()) {
    ssize_t n = write(fd_.Get(), bytes.data(), bytes.size());
    if (n <= 0) return false;
    size_ += static_cast<uint64_t>(n);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
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
