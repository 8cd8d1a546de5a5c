// Users and groups from the text of /etc/passwd and /etc/group, looked up
// without NSS so the static binary works in any image (scratch, distroless).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spec {

struct UserEntry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  gid_t gid = 0;
  std::vector<std::string> members;
};

// By name, or by number ("1000"; a number need not be in the file).
std::optional<UserEntry> FindUser(std::string_view passwd, std::string_view name_or_uid);
std::optional<GroupEntry> FindGroup(std::string_view group, std::string_view name_or_gid);
// Groups that list `user` as a member, as initgroups(3) would find them.
std::vector<gid_t> GroupsOfUser(std::string_view group, std::string_view user);

}  // namespace spec
