#include "core/process_match.h"

#include <map>

#include "base/regex.h"

namespace core {
namespace {

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The kernel keeps only 15 characters of comm: "php-fpm8.2-worker" shows up
// as "php-fpm8.2-work", so a full-length comm matches a longer name's prefix.
bool CommMatches(const std::string& name, const std::string& comm) {
  constexpr size_t kCommMax = 15;
  if (comm == name) return true;
  return comm.size() == kCommMax && name.size() > kCommMax && name.compare(0, kCommMax, comm) == 0;
}

bool IsDescendant(int pid, int ancestor, const std::map<int, int>& parent) {
  for (int hops = 0; hops < 4096; ++hops) {
    auto it = parent.find(pid);
    if (it == parent.end() || it->second <= 0) return false;
    if (it->second == ancestor) return true;
    pid = it->second;
  }
  return false;
}

}  // namespace

bool RuleMatches(const spec::MatchRule& rule, const ProcInfo& p) {
  switch (rule.kind) {
    case spec::MatchRule::Kind::kName:
      return CommMatches(rule.pattern, p.comm) || Basename(p.argv0) == rule.pattern;
    case spec::MatchRule::Kind::kRegex: {
      auto re = base::Regex::Cached(rule.pattern);  // validated when the config is read
      return re && re->Search(p.cmdline);
    }
    case spec::MatchRule::Kind::kPidfile:
      return false;  // pidfiles name their pid directly; see os::ReadPidfile
  }
  return false;
}

std::vector<int> FindDaemon(const spec::MatchRule& rule, const std::vector<ProcInfo>& table,
                            const Ownership& owned) {
  std::map<int, int> parent;
  if (!owned.whole_table) {
    for (const ProcInfo& p : table) parent[p.pid] = p.ppid;
  }
  std::vector<int> out;
  for (const ProcInfo& p : table) {
    if (p.pid == owned.self || p.state == 'Z' || owned.taken.count(p.pid) ||
        owned.groups.count(p.pgrp)) {
      continue;
    }
    if (!owned.whole_table && !IsDescendant(p.pid, owned.self, parent)) continue;
    if (!owned.script.empty() && !p.argv1.empty() && Basename(p.argv1) == Basename(owned.script)) {
      continue;  // `/bin/sh /etc/init.d/apache2 start`: the script, not the daemon
    }
    if (RuleMatches(rule, p)) out.push_back(p.pid);
  }
  return out;
}

std::set<int> DaemonRoots(const std::vector<int>& pids, const std::vector<ProcInfo>& table) {
  std::set<int> in(pids.begin(), pids.end());
  std::set<int> roots;
  for (const ProcInfo& p : table) {
    if (in.count(p.pid) && !in.count(p.ppid)) roots.insert(p.pid);
  }
  return roots;
}

bool HasLeftovers(const std::vector<ProcInfo>& table, const Ownership& owned,
                  const std::set<int>& main_pids) {
  for (const ProcInfo& p : table) {
    if (p.ppid == owned.self && p.state != 'Z' && !main_pids.count(p.pid) &&
        !owned.taken.count(p.pid)) {
      return true;
    }
  }
  return false;
}

std::vector<int> PickDaemon(const spec::MatchRule& rule, const std::vector<ProcInfo>& table,
                            const Ownership& owned, const DaemonHints& hints) {
  std::vector<int> pids;
  if (rule.kind == spec::MatchRule::Kind::kPidfile) {
    int pid = hints.pidfile_pid.value_or(0);
    if (pid > 0 && !owned.taken.count(pid) && pid != owned.self) pids.push_back(pid);
  } else {
    pids = FindDaemon(rule, table, owned);
  }
  if (pids.empty() && hints.mainpid > 0 && hints.mainpid_alive &&
      !owned.taken.count(hints.mainpid) && hints.mainpid != owned.self) {
    pids.push_back(hints.mainpid);
  }
  return pids;
}

std::set<int> Descendants(const std::vector<ProcInfo>& table, const std::set<int>& roots) {
  std::set<int> in(roots);
  // Parent links first point either way in the table's order: repeat until
  // a pass adds nothing (depth passes at most).
  for (bool grew = true; grew;) {
    grew = false;
    for (const ProcInfo& p : table) {
      if (in.count(p.pid)) continue;
      if (in.count(p.ppid) || (p.pgrp > 1 && roots.count(p.pgrp))) {
        in.insert(p.pid);
        grew = true;
      }
    }
  }
  for (int r : roots) in.erase(r);
  return in;
}

}  // namespace core
