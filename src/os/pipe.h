// Output pipes: a service writes to `write_end`; tend reads `read_end`
// without blocking. tend keeps the write end too, so one pipe serves every
// run of a service and no EOF handling is needed across restarts.
#pragma once

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

struct Pipe {
  base::UniqueFd read_end;
  base::UniqueFd write_end;
};

base::Result<Pipe> MakeOutputPipe();

// Reads what is available, up to `max` bytes, appending to `out`. Returns
// bytes read; 0 when nothing is available now (EAGAIN) or at EOF.
size_t ReadAvailable(int fd, std::string& out, size_t max);
// The same into `buffer` (no zero-filling of a string on the output path).
size_t ReadSome(int fd, char* buffer, size_t max);

}  // namespace os
