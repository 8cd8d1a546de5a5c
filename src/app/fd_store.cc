#include "app/fd_store.h"

#include <sys/stat.h>

#include <algorithm>

namespace app {

size_t FdStore::Add(const std::string& service, const std::string& name,
                    std::vector<base::UniqueFd> fds) {
  std::vector<Stored>& store = stores_[service];
  size_t refused = 0;
  for (base::UniqueFd& fd : fds) {
    struct stat st {};
    if (fstat(fd.Get(), &st) < 0) continue;
    // One open file stored once: a service that stores its connection at
    // every start does not fill its store with copies.
    bool known = std::any_of(store.begin(), store.end(), [&](const Stored& s) {
      return s.dev == st.st_dev && s.ino == st.st_ino;
    });
    if (known) continue;
    if (store.size() >= kMaxPerService) {
      ++refused;
      continue;
    }
    store.push_back({name, std::move(fd), st.st_dev, st.st_ino});
  }
  if (store.empty()) stores_.erase(service);
  return refused;
}

void FdStore::Remove(const std::string& service, const std::string& name) {
  auto it = stores_.find(service);
  if (it == stores_.end()) return;
  std::erase_if(it->second, [&](const Stored& s) { return s.name == name; });
  if (it->second.empty()) stores_.erase(it);
}

std::vector<std::pair<int, std::string>> FdStore::Of(const std::string& service) const {
  std::vector<std::pair<int, std::string>> out;
  auto it = stores_.find(service);
  if (it == stores_.end()) return out;
  for (const Stored& s : it->second) out.emplace_back(s.fd.Get(), s.name);
  return out;
}

size_t FdStore::Count(const std::string& service) const {
  auto it = stores_.find(service);
  return it == stores_.end() ? 0 : it->second.size();
}

}  // namespace app
