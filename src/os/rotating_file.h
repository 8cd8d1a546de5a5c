// RotatingFile: a service's output kept in a file that is rotated by size
// (path -> path.1 -> ... -> path.KEEP), opened on first write. Writes to a
// regular file do not block for long, so they are done in place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/unique_fd.h"

namespace os {

class RotatingFile {
 public:
  RotatingFile(std::string path, uint64_t max_size, int keep)
      : path_(std::move(path)), max_size_(max_size), keep_(keep) {}

  // Appends; returns false (and drops the bytes) when the file cannot be
  // opened or written, so a full disk never stops tend.
  bool Write(std::string_view bytes);

 private:
  void Rotate();
  std::string path_;
  uint64_t max_size_;
  int keep_;
  uint64_t size_ = 0;
  base::UniqueFd fd_;
};

}  // namespace os
