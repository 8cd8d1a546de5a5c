// SyslogSender: which service a /dev/log message came from. Pure: os/
// supplies the sender's lineage from /proc (from the pid the kernel
// stamped on the datagram), this decides.
//
// A message belongs to the service whose process sent it: its main
// process, one of its adopted daemons, or a descendant of either (sshd's
// per-connection children, a script's logger), the processes tend watches
// for it. A sender that is gone before tend read its message (logger exits
// at once) has no lineage left; then a tag that is a service's name says
// whose it is. Otherwise it is no service's, and its line goes under its
// tag.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace core {

// The owner of the nearest process in `lineage` (pid, parent, ...) that is
// in `owners` (every main and adopted daemon pid -> its service).
std::optional<size_t> OwnerByLineage(const std::vector<int>& lineage,
                                     const std::map<int, size_t>& owners);

// `names`: the services' names, indexed like them ("" for a removed one).
std::optional<size_t> SyslogSender(const std::vector<int>& lineage,
                                   const std::map<int, size_t>& owners, std::string_view tag,
                                   const std::vector<std::string>& names);

}  // namespace core
