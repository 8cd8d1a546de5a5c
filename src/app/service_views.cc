#include "app/service_views.h"

#include <algorithm>
#include <set>

#include "os/proc_scan.h"

namespace app {

core::ServiceView ServiceViews::Of(size_t i, base::TimePoint now) const {
  return core::ViewOf(supervisor_, i, now, daemons_.Pids(i));
}

std::vector<core::ServiceView> ServiceViews::All(base::TimePoint now) const {
  return core::Views(supervisor_, now, [this](size_t i) { return daemons_.Pids(i); });
}

void ServiceViews::AddDescendants(std::vector<core::ServiceView>& views) {
  bool any = std::any_of(views.begin(), views.end(),
                         [](const core::ServiceView& v) { return !v.pids.empty(); });
  if (!any) return;
  std::vector<core::ProcInfo> table = os::ScanProcesses();
  for (core::ServiceView& v : views) {
    if (v.pids.empty()) continue;
    std::set<int> roots(v.pids.begin(), v.pids.end());
    for (int pid : core::Descendants(table, roots)) v.pids.push_back(pid);
  }
}

std::vector<core::ServiceView> ServiceViews::Judge(const std::vector<size_t>& named, bool all,
                                                   base::TimePoint now) const {
  if (named.empty()) return core::Judged(All(now), all);
  std::vector<core::ServiceView> out;
  out.reserve(named.size());
  for (size_t i : named) out.push_back(Of(i, now));
  return out;
}

std::optional<std::vector<size_t>> ServiceViews::Resolve(const std::vector<std::string>& names,
                                                         std::string* error) const {
  const auto& services = supervisor_.services();
  std::vector<size_t> out;
  for (const std::string& name : names) {
    bool all = name == "all";
    bool found = false;
    for (size_t i = 0; i < services.size(); ++i) {
      // A group's name means each of its instances.
      if (!core::Listed(supervisor_, i) || (!all && !services[i].spec.IsCalled(name))) continue;
      found = true;
      if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
    }
    if (!found && !all) {
      *error = "unknown service '" + name + "'";
      return std::nullopt;
    }
  }
  return out;
}

std::optional<size_t> ServiceViews::Find(const std::string& name) const {
  const auto& services = supervisor_.services();
  for (size_t i = 0; i < services.size(); ++i) {
    if (core::Listed(supervisor_, i) && services[i].spec.name == name) return i;
  }
  return std::nullopt;
}

const std::string& ServiceViews::GroupOf(size_t i) const {
  static const std::string kNone;
  const auto& services = supervisor_.services();
  return i < services.size() ? services[i].spec.group : kNone;
}

}  // namespace app
