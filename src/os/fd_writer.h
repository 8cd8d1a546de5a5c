// FdWriter: tend's own stdout or stderr, written without ever blocking the
// event loop. Data that cannot be written now waits in a buffer; once that
// buffer passes its high mark the writer reports Full(), and the loop stops
// reading service pipes (back-pressure) until it drains below the low mark.
//
// When the fd fails for good (EPIPE: the reader is gone; EIO, ENOSPC...)
// the writer is broken: it drops what it holds and everything after, and
// says why once through broken_reason(). tend goes on supervising.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace os {

class FdWriter {
 public:
  // Sets O_NONBLOCK on fd when `nonblocking` (restored by Finish).
  FdWriter(int fd, bool nonblocking, size_t high_mark = size_t{256} * 1024);
  ~FdWriter();
  FdWriter(const FdWriter&) = delete;
  FdWriter& operator=(const FdWriter&) = delete;

  int Fd() const { return fd_; }
  void Append(std::string_view bytes);  // queues and writes what it can
  void Flush();                         // on EPOLLOUT
  bool Full() const { return !broken_ && Held() >= high_mark_; }
  bool Drained() const { return Held() <= high_mark_ / 4; }
  bool Pending() const { return Held() > 0; }
  bool Broken() const { return broken_; }
  const std::string& broken_reason() const { return broken_reason_; }
  // For exit: writes what is left, waiting at most `max_wait` for the fd
  // to take it (a FIFO nobody reads must not hold tend forever), then
  // restores the fd's flags. Returns the bytes it had to drop.
  size_t Finish(base::Duration max_wait);

 private:
  size_t Held() const { return buffer_.size() - start_; }
  size_t Write(std::string_view bytes);

  int fd_;
  int saved_flags_ = -1;
  size_t high_mark_;
  std::string buffer_;  // bytes before start_ are written already
  size_t start_ = 0;
  bool broken_ = false;
  std::string broken_reason_;
};

}  // namespace os
