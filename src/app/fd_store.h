// FdStore: fds that services park in tend with sd_notify's FDSTORE=1, as
// systemd's file descriptor store does: a service keeps an open connection,
// a memfd with its state or a socket of its own across its own restart.
// Each start of the service gets them back after its `listen` sockets, as
// fds 3, 4, ... with their FDNAME= (else "stored") in LISTEN_FDNAMES. They
// stay stored until FDSTOREREMOVE=1 names them, the service is stopped
// (tendctl stop) or removed by a reload, or tend exits.
//
// Bounded: kMaxPerService fds per service; more are refused and closed.
// The same open file sent twice is kept once. Kept by service name, like
// HeldSockets, so a reload that keeps a service keeps its store. Never in
// the epoll: tend does not watch them.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/unique_fd.h"

namespace app {

class FdStore {
 public:
  static constexpr size_t kMaxPerService = 16;

  // Keeps `fds` for `service` under `name`; returns how many were refused
  // (over the bound), which are closed. Duplicates are closed silently.
  size_t Add(const std::string& service, const std::string& name, std::vector<base::UniqueFd> fds);
  // FDSTOREREMOVE=1 with FDNAME=name: every fd of that name is closed.
  void Remove(const std::string& service, const std::string& name);
  // The service was stopped for good: its store is emptied.
  void Forget(const std::string& service) { stores_.erase(service); }
  // What its next start gets, in the order they were stored.
  std::vector<std::pair<int, std::string>> Of(const std::string& service) const;
  size_t Count(const std::string& service) const;

 private:
  struct Stored {
    std::string name;
    base::UniqueFd fd;
    dev_t dev = 0;
    ino_t ino = 0;
  };
  std::map<std::string, std::vector<Stored>> stores_;
};

}  // namespace app
