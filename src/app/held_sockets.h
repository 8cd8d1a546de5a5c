// HeldSockets: the services' listening sockets (their `listen` lists),
// bound by tend and held for as long as the configuration lists them, so
// that while a service restarts its clients wait in the backlog instead of
// being refused. Each instance gets them as fds 3, 4, ... (sd_listen_fds).
// Owned by the Runner; none is in the epoll: tend never accepts on them.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "config/service_spec.h"
#include "os/spawn.h"

namespace app {

class HeldSockets {
 public:
  // Binds what `services` list and is not held yet, keeps what they still
  // list (the same fd: a reload rebinds only what changed), closes the
  // rest. All or nothing: on an error, which names the service, the key
  // and the address, what is held stays as it was.
  base::Status Hold(const std::vector<spec::ServiceSpec>& services);

  // Service `name`'s sockets into `req`: fds, LISTEN_FDS, LISTEN_FDNAMES;
  // then `stored` (FdStore: its fds and names), after them.
  void PassTo(const std::string& name, os::SpawnRequest& req,
              const std::vector<std::pair<int, std::string>>& stored = {}) const;
  std::vector<int> Fds(const std::string& name) const;

  // For `tend --check`: each address that cannot be bound now, as an
  // error line. Binds and closes them again (a unix socket file it made
  // is removed).
  static std::vector<std::string> Unbindable(const std::vector<spec::ServiceSpec>& services);

 private:
  struct Held {
    spec::SocketSpec spec;
    std::string name;  // its LISTEN_FDNAMES entry
    base::UniqueFd fd;
  };
  // By SocketSpec::Address(); each service's in its list's order.
  std::map<std::string, Held> held_;
  std::map<std::string, std::vector<std::string>> of_service_;
};

}  // namespace app
