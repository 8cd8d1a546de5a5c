// NotifySender: which service an sd_notify datagram came from. Pure: os/
// supplies the sender's credentials and its lineage from /proc; this
// decides.
//
// A datagram belongs to a service when its sender is that service's main
// process, one of its adopted daemon processes, or a descendant of either
// (systemd-notify runs as a child of the service). A sender that exited
// before tend read its message (`systemd-notify --no-block READY=1; exec
// app` under load) has no lineage any more; its uid still counts when
// exactly one running sd_notify service runs as that user, and the message
// is refused as ambiguous otherwise (docs/health.md says how to avoid it).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <optional>
#include <vector>

namespace core {

struct NotifySenderFacts {
  int pid = 0;  // from SCM_CREDENTIALS; 0: none were sent
  uid_t uid = 0;
  bool alive = false;        // the process still exists
  std::vector<int> lineage;  // pid, its parent, ... (nearest first, tend excluded)
};

struct NotifySpeaker {  // a running service that uses sd_notify
  size_t service = 0;
  uid_t uid = 0;  // the user it runs as
};

// `owners`: every main and adopted daemon pid -> its service.
std::optional<size_t> NotifySender(const NotifySenderFacts& sender,
                                   const std::map<int, size_t>& owners,
                                   const std::vector<NotifySpeaker>& speakers);

}  // namespace core
