// ServiceViews: the services as tendctl and the HTTP endpoint see them:
// core::ServiceView (the one read model) with the adopted daemons' pids,
// which only DaemonWatch knows, their descendants on request, and name
// look-ups.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/daemon_watch.h"
#include "core/service_view.h"
#include "core/supervisor.h"

namespace app {

class ServiceViews {
 public:
  ServiceViews(const core::Supervisor& supervisor, const DaemonWatch& daemons)
      : supervisor_(supervisor), daemons_(daemons) {}

  core::ServiceView Of(size_t i, base::TimePoint now) const;
  std::vector<core::ServiceView> All(base::TimePoint now) const;
  // Adds to each view's pids the processes its main and adopted ones
  // forked, and the members of the groups they lead (one scan of /proc):
  // for status and metrics, not for every readiness check.
  static void AddDescendants(std::vector<core::ServiceView>& views);
  // What `tendctl health` and /readyz judge: the named services, else
  // core::Judged's choice (the critical ones, or all).
  std::vector<core::ServiceView> Judge(const std::vector<size_t>& named, bool all,
                                       base::TimePoint now) const;
  // The services `names` mean ("all": every one); nullopt and `error` set
  // when one is unknown.
  std::optional<std::vector<size_t>> Resolve(const std::vector<std::string>& names,
                                             std::string* error) const;
  std::optional<size_t> Find(const std::string& name) const;
  // Service i's instance group; "" when it runs on its own.
  const std::string& GroupOf(size_t i) const;

 private:
  const core::Supervisor& supervisor_;
  const DaemonWatch& daemons_;
};

}  // namespace app
