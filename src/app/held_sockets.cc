#include "app/held_sockets.h"

#include <unistd.h>

#include <set>

#include "app/spawn_request.h"
#include "os/listen_socket.h"

namespace app {
namespace {

std::string Where(const spec::ServiceSpec& service) { return "service '" + service.name + "': "; }

bool SameFile(const spec::SocketSpec& a, const spec::SocketSpec& b) {
  return a.mode == b.mode && a.uid == b.uid && a.gid == b.gid;
}

}  // namespace

base::Status HeldSockets::Hold(const std::vector<spec::ServiceSpec>& services) {
  std::map<std::string, Held> next;
  std::map<std::string, std::vector<std::string>> of_service;
  for (const spec::ServiceSpec& service : services) {
    for (const spec::SocketSpec& s : service.listen) {
      std::string address = s.Address();
      of_service[service.name].push_back(address);
      // The instances of a group share what it lists: bound once, named after the group.
      if (next.count(address)) continue;
      Held h{s, s.name.empty() ? service.GroupName() : s.name, base::UniqueFd()};
      auto kept = held_.find(address);
      if (kept != held_.end()) {
        // A unix socket's new mode or owner is applied to its file in place.
        if (!SameFile(kept->second.spec, s)) {
          if (auto st = os::SetSocketFileMode(s); !st) {
            return base::Error{Where(service) + st.Err().what, st.Err().err};
          }
        }
        continue;
      }
      auto fd = os::BindSocket(s);
      if (!fd) return base::Error{Where(service) + fd.Err().what, fd.Err().err};
      h.fd = std::move(*fd);
      next.emplace(address, std::move(h));
    }
  }
  // Nothing failed: take over the kept fds; what is left in held_ closes.
  for (const spec::ServiceSpec& service : services) {
    for (const spec::SocketSpec& s : service.listen) {
      auto kept = held_.find(s.Address());
      if (kept == held_.end() || !kept->second.fd) continue;  // taken by an earlier instance
      Held h{s, s.name.empty() ? service.GroupName() : s.name, std::move(kept->second.fd)};
      next.emplace(s.Address(), std::move(h));
    }
  }
  held_ = std::move(next);
  of_service_ = std::move(of_service);
  return base::OkStatus();
}

std::vector<int> HeldSockets::Fds(const std::string& name) const {
  std::vector<int> fds;
  auto it = of_service_.find(name);
  if (it == of_service_.end()) return fds;
  for (const std::string& address : it->second) fds.push_back(held_.at(address).fd.Get());
  return fds;
}

void HeldSockets::PassTo(const std::string& name, os::SpawnRequest& req,
                         const std::vector<std::pair<int, std::string>>& stored) const {
  std::vector<int> fds = Fds(name);
  std::vector<std::string> names;
  if (auto it = of_service_.find(name); it != of_service_.end()) {
    for (const std::string& address : it->second) names.push_back(held_.at(address).name);
  }
  for (const auto& [fd, fd_name] : stored) {
    fds.push_back(fd);
    names.push_back(fd_name);
  }
  AddListenFds(req, fds, names);
}

std::vector<std::string> HeldSockets::Unbindable(const std::vector<spec::ServiceSpec>& services) {
  std::vector<std::string> out;
  std::set<std::string> tried;  // a group's instances list the same addresses
  for (const spec::ServiceSpec& service : services) {
    for (const spec::SocketSpec& s : service.listen) {
      if (!tried.insert(s.Address()).second) continue;
      auto fd = os::BindSocket(s);
      if (!fd) {
        out.push_back(Where(service) + "'listen': cannot bind: " + fd.Err().Describe());
      } else if (s.kind == spec::SocketSpec::Kind::kUnix) {
        unlink(s.path.c_str());
      }
    }
  }
  return out;
}

}  // namespace app
