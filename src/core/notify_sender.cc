#include "core/notify_sender.h"

#include "core/syslog_sender.h"

namespace core {
namespace {

std::optional<size_t> ByUid(uid_t uid, const std::vector<NotifySpeaker>& speakers) {
  std::optional<size_t> found;
  for (const NotifySpeaker& s : speakers) {
    if (s.uid != uid) continue;
    if (found) return std::nullopt;  // two could have sent it: ambiguous
    found = s.service;
  }
  return found;
}

}  // namespace

std::optional<size_t> NotifySender(const NotifySenderFacts& sender,
                                   const std::map<int, size_t>& owners,
                                   const std::vector<NotifySpeaker>& speakers) {
  if (sender.pid <= 0) return std::nullopt;  // no credentials: could be anyone
  if (auto owner = OwnerByLineage(sender.lineage, owners)) return owner;
  if (!sender.alive) return ByUid(sender.uid, speakers);
  return std::nullopt;
}

}  // namespace core
