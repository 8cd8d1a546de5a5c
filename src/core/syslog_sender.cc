#include "core/syslog_sender.h"

namespace core {

std::optional<size_t> OwnerByLineage(const std::vector<int>& lineage,
                                     const std::map<int, size_t>& owners) {
  for (int pid : lineage) {
    if (auto it = owners.find(pid); it != owners.end()) return it->second;
  }
  return std::nullopt;
}

std::optional<size_t> SyslogSender(const std::vector<int>& lineage,
                                   const std::map<int, size_t>& owners, std::string_view tag,
                                   const std::vector<std::string>& names) {
  if (auto owner = OwnerByLineage(lineage, owners)) return owner;
  if (!lineage.empty() || tag.empty()) return std::nullopt;  // alive, and no service's
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == tag) return i;
  }
  return std::nullopt;
}

}  // namespace core
