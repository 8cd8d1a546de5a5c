// tend: a container init that runs several services and keeps them alive.
// main() reads as the list of steps; everything else lives in the layers.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/held_sockets.h"
#include "app/plan.h"
#include "app/runner.h"
#include "base/version.h"
#include "config/options.h"
#include "ctl/client.h"
#include "os/process.h"
#include "os/signals.h"

namespace {

std::optional<std::string> GetEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string self = argc > 0 ? argv[0] : "tend";
  // tendctl keeps the default signal handling: Ctrl-C and `timeout` end
  // `logs -f` and `events`.
  if (self.substr(self.rfind('/') + 1) == "tendctl") return ctl::ClientMain(args);
  // tend: no signal may arrive before the signalfd can read it.
  os::BlockSignals();
  os::RememberArgv(argc, argv);
  spec::OptionsResult parsed = spec::ParseOptions(args, GetEnv);
  if (parsed.error) {
    std::fprintf(stderr, "tend: %s\n", parsed.error->c_str());
    return 2;
  }
  if (parsed.options.help) {
    std::fputs(spec::UsageText().c_str(), stdout);
    return 0;
  }
  if (parsed.options.version) {
    std::puts(base::VersionLine("tend").c_str());
    return 0;
  }

  app::PlanResult plan = app::LoadPlan(parsed.options, GetEnv);
  std::stable_sort(plan.errors.begin(), plan.errors.end(), [](const auto& a, const auto& b) {
    return a.file != b.file ? a.file < b.file : a.line < b.line;
  });
  for (const spec::Diagnostic& d : plan.errors)
    std::fprintf(stderr, "tend: %s\n", d.Format().c_str());
  if (!plan.errors.empty()) {
    if (plan.errors.size() > 1) {
      std::fprintf(stderr, "tend: %zu errors; nothing started\n", plan.errors.size());
    }
    return 2;
  }
  if (parsed.options.check) {
    std::fputs(app::DescribePlan(plan.plan).c_str(), stdout);
    // Whether each address binds is known only by trying (a taken port, a privilege).
    std::vector<std::string> unbindable = app::HeldSockets::Unbindable(plan.plan.services);
    for (const std::string& e : unbindable) std::fprintf(stderr, "tend: %s\n", e.c_str());
    if (!unbindable.empty()) return 2;
    std::printf("\nOK: %zu service%s\n", plan.plan.services.size(),
                plan.plan.services.size() == 1 ? "" : "s");
    return 0;
  }

  auto runner = app::Runner::Create(std::move(plan.plan), std::move(parsed.options), GetEnv);
  if (!runner) {
    std::fprintf(stderr, "tend: cannot start: %s\n", runner.Err().Describe().c_str());
    return 1;
  }
  return (*runner)->Run();
}
