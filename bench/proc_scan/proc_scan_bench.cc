// Measures one scan of the process table, as tend does it to find a
// daemon, with N extra processes alive (default 10,000).
//
// Usage: tend_proc_scan_bench [N] [ROUNDS]
// Forks N children that sleep in pause(), then times ROUNDS scans:
// os::ScanProcesses() (read /proc/PID/stat and cmdline of every process)
// and core::FindDaemon() over the result. Prints median, min and max.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/process_match.h"
#include "os/proc_scan.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Report(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  std::printf("%-28s median %8.2f ms   min %8.2f ms   max %8.2f ms   (%zu rounds)\n", what,
              ms[ms.size() / 2], ms.front(), ms.back(), ms.size());
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
  std::vector<pid_t> kids;
  for (int i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      pause();
      _exit(0);
    }
    if (pid < 0) {
      std::perror("fork");
      break;
    }
    kids.push_back(pid);
  }
  size_t table_size = os::ScanProcesses().size();
  std::printf("process table: %zu processes (%zu forked for the test)\n", table_size, kids.size());

  spec::MatchRule rule{spec::MatchRule::Kind::kName, "apache2"};
  core::Ownership owned;
  owned.self = getpid();
  owned.whole_table = true;
  std::vector<double> scan_ms, match_ms;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = Clock::now();
    std::vector<core::ProcInfo> table = os::ScanProcesses();
    auto t1 = Clock::now();
    std::vector<int> found = core::FindDaemon(rule, table, owned);
    auto t2 = Clock::now();
    scan_ms.push_back(Ms(t1 - t0));
    match_ms.push_back(Ms(t2 - t1));
    if (!found.empty()) std::printf("unexpected match\n");
  }
  Report("ScanProcesses (read /proc)", scan_ms);
  Report("FindDaemon (match by name)", match_ms);

  for (pid_t pid : kids) kill(pid, SIGKILL);
  for (pid_t pid : kids) waitpid(pid, nullptr, 0);
  return 0;
}
