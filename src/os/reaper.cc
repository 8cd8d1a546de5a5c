#include "os/reaper.h"

#include <sys/wait.h>

#include <cerrno>

namespace os {

ReapResult ReapAll() {
  ReapResult r;
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      r.reaped.push_back({pid, status});
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    r.no_children = pid < 0 && errno == ECHILD;
    return r;
  }
}

}  // namespace os
