#include "core/process_match.h"

#include <gtest/gtest.h>

namespace core {
namespace {

ProcInfo P(int pid, int ppid, std::string comm, std::string cmdline, char state = 'S',
           int pgrp = 0) {
  ProcInfo p;
  p.pid = pid;
  p.ppid = ppid;
  p.pgrp = pgrp ? pgrp : pid;
  p.state = state;
  p.comm = std::move(comm);
  p.cmdline = std::move(cmdline);
  p.argv0 = p.cmdline.substr(0, p.cmdline.find(' '));
  return p;
}

spec::MatchRule Name(std::string n) { return {spec::MatchRule::Kind::kName, std::move(n)}; }

TEST(RuleMatches, NameMatchesCommOrArgv0Basename) {
  EXPECT_TRUE(RuleMatches(Name("apache2"), P(5, 1, "apache2", "/usr/sbin/apache2 -k start")));
  EXPECT_TRUE(RuleMatches(Name("nginx"), P(5, 1, "nginx", "nginx: master process nginx")));
  EXPECT_TRUE(RuleMatches(Name("app"), P(5, 1, "python3", "/opt/bin/app --serve")));
  EXPECT_FALSE(RuleMatches(Name("apache"), P(5, 1, "apache2", "/usr/sbin/apache2")));
  EXPECT_FALSE(RuleMatches(Name("sshd"), P(5, 1, "bash", "bash run.sh /usr/sbin/sshd")));
}

TEST(RuleMatches, TruncatedCommMatchesLongNames) {
  EXPECT_TRUE(RuleMatches(Name("php-fpm8.2-worker"), P(5, 1, "php-fpm8.2-work", "x")));
  EXPECT_FALSE(RuleMatches(Name("php-fpm8.2-worker"), P(5, 1, "php-fpm8.2", "x")));
}

TEST(RuleMatches, RegexSearchesTheWholeCommandLine) {
  spec::MatchRule r{spec::MatchRule::Kind::kRegex, "apache2 -k (start|restart)"};
  EXPECT_TRUE(RuleMatches(r, P(5, 1, "apache2", "/usr/sbin/apache2 -k start")));
  EXPECT_FALSE(RuleMatches(r, P(5, 1, "apache2", "/usr/sbin/apache2 -k stop")));
  spec::MatchRule bad{spec::MatchRule::Kind::kRegex, "("};
  EXPECT_FALSE(RuleMatches(bad, P(5, 1, "x", "(")));
}

TEST(FindDaemon, SkipsTendZombiesAndWhatOthersOwn) {
  std::vector<ProcInfo> table = {
      P(1, 0, "tend", "tend apache2"),                    // tend itself
      P(10, 1, "apache2", "/usr/sbin/apache2 -k start"),  // the daemon
      P(11, 10, "apache2", "/usr/sbin/apache2 -k start", 'S', 10),
      P(12, 10, "apache2", "/usr/sbin/apache2", 'Z', 10),     // zombie
      P(20, 1, "apache2", "apache2 -DFOREGROUND"),            // another service's main
      P(21, 20, "apache2", "apache2 -DFOREGROUND", 'S', 20),  // its worker
      P(30, 1, "apache2", "x"),                               // adopted by someone else
  };
  Ownership owned{1, "", true, {20, 30}, {20}};
  EXPECT_EQ(FindDaemon(Name("apache2"), table, owned), (std::vector<int>{10, 11}));
  EXPECT_EQ(FindDaemon(Name("tend"), table, owned), std::vector<int>{});
}

TEST(FindDaemon, SkipsTheStartScriptItself) {
  ProcInfo script = P(10, 1, "apache2", "/bin/sh /etc/init.d/apache2 start");
  script.argv1 = "/etc/init.d/apache2";
  ProcInfo daemon = P(11, 1, "apache2", "/usr/sbin/apache2 -k start");
  daemon.argv1 = "-k";
  Ownership owned{1, "/etc/init.d/apache2", true, {}, {}};
  EXPECT_EQ(FindDaemon(Name("apache2"), {script, daemon}, owned), std::vector<int>{11});
}

TEST(FindDaemon, OutsidePid1OnlyDescendantsCount) {
  std::vector<ProcInfo> table = {
      P(100, 1, "bash", "bash"),          // tend's parent
      P(200, 100, "tend", "tend sleep"),  // tend
      P(300, 1, "sleep", "sleep 5"),      // a stranger on the host
      P(400, 200, "sh", "sh -c x"),       // a service
      P(500, 400, "sleep", "sleep 9"),    // its child: tend's descendant
      P(600, 200, "sleep", "sleep 1"),    // an orphan reparented to tend
  };
  Ownership owned{200, "", false, {}, {}};
  EXPECT_EQ(FindDaemon(Name("sleep"), table, owned), (std::vector<int>{500, 600}));
  EXPECT_EQ(FindDaemon(Name("bash"), table, owned), std::vector<int>{});
}

TEST(DaemonRoots, AreTheMatchedProcessesWithoutAMatchedParent) {
  std::vector<ProcInfo> table = {P(1, 0, "tend", ""), P(10, 1, "apache2", ""),
                                 P(11, 10, "apache2", ""), P(12, 10, "apache2", ""),
                                 P(20, 1, "apache2", "")};
  EXPECT_EQ(DaemonRoots({10, 11, 12, 20}, table), (std::set<int>{10, 20}));
  EXPECT_EQ(DaemonRoots({11, 12}, table), (std::set<int>{11, 12}));
}

TEST(HasLeftovers, SeesChildrenThatAreNotServices) {
  std::vector<ProcInfo> table = {P(1, 0, "tend", ""), P(5, 1, "sh", ""), P(6, 1, "x", "", 'Z')};
  Ownership owned{1, "", true, {}, {}};
  EXPECT_FALSE(HasLeftovers(table, owned, {5}));
  EXPECT_TRUE(HasLeftovers(table, owned, {}));
}

// The daemon of `postfix start` is called `master`: no name rule finds it,
// but its MAINPID= does; a pidfile beats both; nothing owned is taken.
TEST(PickDaemon, PidfileThenRuleThenMainpid) {
  std::vector<ProcInfo> table = {P(1, 0, "tend", "tend"), P(40, 1, "master", "master -w"),
                                 P(50, 1, "php-fpm8.2", "php-fpm: master process")};
  Ownership owned{1, "", true, {60}, {}};
  DaemonHints hints;
  hints.mainpid = 40;
  hints.mainpid_alive = true;
  EXPECT_EQ(PickDaemon(Name("postfix"), table, owned, hints), std::vector<int>{40});
  EXPECT_EQ(PickDaemon(Name("php-fpm8.2"), table, owned, hints), std::vector<int>{50});
  hints.mainpid_alive = false;
  EXPECT_EQ(PickDaemon(Name("postfix"), table, owned, hints), std::vector<int>{});
  spec::MatchRule pidfile{spec::MatchRule::Kind::kPidfile, "/run/x.pid"};
  hints.pidfile_pid = 50;
  EXPECT_EQ(PickDaemon(pidfile, table, owned, hints), std::vector<int>{50});
  hints.pidfile_pid = 60;  // another service's
  hints.mainpid = 1;       // tend itself
  hints.mainpid_alive = true;
  EXPECT_EQ(PickDaemon(pidfile, table, owned, hints), std::vector<int>{});
}

TEST(Descendants, ChildrenGrandchildrenAndGroupMembersButNotTheRoots) {
  std::vector<ProcInfo> table;
  auto add = [&](int pid, int ppid, int pgrp) {
    ProcInfo p;
    p.pid = pid;
    p.ppid = ppid;
    p.pgrp = pgrp;
    table.push_back(p);
  };
  add(30, 20, 10);  // grandchild listed before its parent
  add(10, 1, 10);   // the root, leading group 10
  add(20, 10, 10);
  add(40, 1, 10);  // orphaned worker, still in the root's group
  add(50, 1, 50);  // someone else
  add(60, 50, 50);
  EXPECT_EQ(Descendants(table, {10}), (std::set<int>{20, 30, 40}));
  EXPECT_TRUE(Descendants(table, {99}).empty());
}

}  // namespace
}  // namespace core
