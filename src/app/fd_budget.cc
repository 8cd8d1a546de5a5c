#include "app/fd_budget.h"

#include "app/fd_store.h"
#include "os/proc_stats.h"
#include "os/process.h"

namespace app {
namespace {

size_t StreamFds(const spec::OutputSpec& o) {
  switch (o.mode) {
    case spec::OutputSpec::Mode::kPrefix: return 2;
    case spec::OutputSpec::Mode::kFile: return 3;
    default: return 0;
  }
}

}  // namespace

size_t FdsFor(const spec::ServiceSpec& spec) {
  return StreamFds(spec.out) + StreamFds(spec.err) + 1 + (spec.notify_fd ? 1 : 0) +
         spec.listen.size() + (spec.SpeaksSdNotify() ? FdStore::kMaxPerService : 0);
}

std::vector<const spec::ServiceSpec*> ServicesToCount(
    const std::vector<spec::ServiceSpec>& next, const std::vector<core::ServiceRuntime>& running,
    bool only_new) {
  std::vector<const spec::ServiceSpec*> out;
  for (const spec::ServiceSpec& spec : next) {
    bool known = false;
    for (const core::ServiceRuntime& s : running) {
      known = known || (!s.Retired() && s.spec.name == spec.name);
    }
    if (!only_new || !known) out.push_back(&spec);
  }
  return out;
}

std::optional<std::string> CheckFdBudget(const std::vector<const spec::ServiceSpec*>& services,
                                         size_t open, size_t limit) {
  size_t need = 0;
  for (const spec::ServiceSpec* s : services) need += FdsFor(*s);
  if (open + need + kFdReserve <= limit) return std::nullopt;
  size_t left = limit > open ? limit - open : 0;
  return std::to_string(services.size()) + " service" + (services.size() == 1 ? "" : "s") +
         " need about " + std::to_string(need + kFdReserve) + " file descriptors and tend has " +
         std::to_string(left) + " left of its limit of " + std::to_string(limit) +
         " (RLIMIT_NOFILE); raise the limit (docker run --ulimit nofile=N, ulimit -n N) or run "
         "fewer services";
}

std::optional<std::string> FdShortage(const std::vector<core::ServiceRuntime>& running,
                                      const std::vector<spec::ServiceSpec>& next, bool only_new) {
  size_t open = static_cast<size_t>(os::CountOwnOpenFds().value_or(0));
  return CheckFdBudget(ServicesToCount(next, running, only_new), open, os::FdLimit());
}

}  // namespace app
