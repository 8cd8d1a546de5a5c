// RotatingFile: a service's output kept in a file that is rotated by size
// (path -> path.1 -> ... -> path.KEEP), opened on first write. Writes to a
// regular file do not block for long, so they are done in place.
//
// The file holds whole lines only: a write that fails part-way (a full
// disk writes what fits, then says ENOSPC) is undone by truncating the file
// back to where the line began. After a failure the file is closed, so the
// next line opens it again (it may have been deleted, or the disk freed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

class RotatingFile {
 public:
  RotatingFile(std::string path, uint64_t max_size, int keep)
      : path_(std::move(path)), max_size_(max_size), keep_(keep) {}

  // Appends `lines` (whole lines) in full, or not at all and says why: the
  // bytes are dropped, so a full disk never stops tend; the caller reports.
  [[nodiscard]] base::Status Write(std::string_view lines);
  const std::string& path() const { return path_; }

 private:
  base::Status Open(uint64_t incoming);
  base::Status Append(std::string_view bytes);
  void Rotate();

  std::string path_;
  uint64_t max_size_;
  int keep_;
  uint64_t size_ = 0;
  base::UniqueFd fd_;
};

}  // namespace os
