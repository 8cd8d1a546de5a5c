#include "config/passwd.h"

#include <cstdlib>

namespace spec {
namespace {

std::vector<std::string_view> Split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == sep) {
      out.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::optional<unsigned long> Number(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  unsigned long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned long>(c - '0');
  }
  return v;
}

// Calls fn(fields) for each non-comment line; stops when fn returns true.
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    if (fn(Split(line, ':'))) return;
  }
}

}  // namespace

std::optional<UserEntry> FindUser(std::string_view passwd, std::string_view name_or_uid) {
  std::optional<UserEntry> found;
  auto number = Number(name_or_uid);
  ForEachLine(passwd, [&](const std::vector<std::string_view>& f) {
    if (f.size() < 7) return false;
    auto uid = Number(f[2]), gid = Number(f[3]);
    if (!uid || !gid) return false;
    if (f[0] != name_or_uid && !(number && *number == *uid)) return false;
    found = UserEntry{std::string(f[0]), static_cast<uid_t>(*uid), static_cast<gid_t>(*gid),
                      std::string(f[5])};
    return true;
  });
  if (!found && number) {
    found = UserEntry{"", static_cast<uid_t>(*number), static_cast<gid_t>(*number), "/"};
  }
  return found;
}

std::optional<GroupEntry> FindGroup(std::string_view group, std::string_view name_or_gid) {
  std::optional<GroupEntry> found;
  auto number = Number(name_or_gid);
  ForEachLine(group, [&](const std::vector<std::string_view>& f) {
    if (f.size() < 4) return false;
    auto gid = Number(f[2]);
    if (!gid || (f[0] != name_or_gid && !(number && *number == *gid))) return false;
    GroupEntry g{std::string(f[0]), static_cast<gid_t>(*gid), {}};
    for (std::string_view m : Split(f[3], ',')) {
      if (!m.empty()) g.members.emplace_back(m);
    }
    found = std::move(g);
    return true;
  });
  if (!found && number) found = GroupEntry{"", static_cast<gid_t>(*number), {}};
  return found;
}

std::vector<gid_t> GroupsOfUser(std::string_view group, std::string_view user) {
  std::vector<gid_t> out;
  ForEachLine(group, [&](const std::vector<std::string_view>& f) {
    if (f.size() < 4) return false;
    auto gid = Number(f[2]);
    if (!gid) return false;
    for (std::string_view m : Split(f[3], ',')) {
      if (m == user) out.push_back(static_cast<gid_t>(*gid));
    }
    return false;
  });
  return out;
}

}  // namespace spec
