#include "core/lifecycle_event.h"

namespace core {

const char* EventKindName(EventKind kind) {
  static constexpr const char* kNames[] = {"started", "ready",  "adopted",    "unhealthy",
                                           "healthy", "exited", "restarting", "fatal",
                                           "stopped", "reload"};
  return kNames[static_cast<int>(kind)];
}

}  // namespace core
