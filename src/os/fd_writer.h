// FdWriter: tend's own stdout or stderr, written without ever blocking the
// event loop. Data that cannot be written now waits in a buffer; once that
// buffer passes its high mark the writer reports Full(), and the loop stops
// reading service pipes (back-pressure) until it drains below the low mark.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace os {

class FdWriter {
 public:
  // Sets O_NONBLOCK on fd when `nonblocking` (restored by Finish).
  FdWriter(int fd, bool nonblocking, size_t high_mark = 256 * 1024);
  ~FdWriter();
  FdWriter(const FdWriter&) = delete;
  FdWriter& operator=(const FdWriter&) = delete;

  int Fd() const { return fd_; }
  void Append(std::string_view bytes);  // queues and writes what it can
  void Flush();                         // on EPOLLOUT
  bool Full() const { return buffer_.size() >= high_mark_; }
  bool Drained() const { return buffer_.size() <= high_mark_ / 4; }
  bool Pending() const { return !buffer_.empty(); }
  // Writes everything left, blocking, and restores the fd's flags. For exit.
  void Finish();

 private:
  int fd_;
  int saved_flags_ = -1;
  size_t high_mark_;
  std::string buffer_;
  bool broken_ = false;  // EPIPE or similar: nobody reads; drop output
};

}  // namespace os
