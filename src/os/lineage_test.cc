#include "os/lineage.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include "os/process.h"
#include "os/spawn.h"

namespace os {
namespace {

using namespace std::chrono_literals;

int OpenFds() {
  int n = 0;
  for (int fd = 0; fd < 1024; ++fd) n += fcntl(fd, F_GETFD) >= 0;
  return n;
}

// Reports until the last one, as Children reads them.
std::vector<ShimReport> ReadAll(int sock) {
  std::vector<ShimReport> out;
  for (int spins = 0; spins < 500; ++spins) {
    auto r = ReadShimReport(sock);
    if (!r) break;  // EOF: the shim exited
    if (!*r) {
      usleep(10000);
      continue;
    }
    out.push_back(std::move(**r));
    ShimReport::Kind k = out.back().kind;
    if (k == ShimReport::Kind::kExited || k == ShimReport::Kind::kHandover) break;
  }
  return out;
}

TEST(Lineage, AShimReportsTheCommandAndExactlyWhatItLeft) {
  SpawnRequest req;
  req.argv = {"/bin/sh", "-c", "setsid /bin/sleep 30 & /bin/sleep 31 & exit 4"};
  req.lineage_window = 10s;
  auto child = Spawn(req);
  ASSERT_TRUE(child) << child.Err().Describe();
  ASSERT_GT(child->pid, 0);
  ASSERT_NE(child->pid, child->shim_pid);
  std::vector<ShimReport> reports = ReadAll(child->lineage.Get());
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().kind, ShimReport::Kind::kExited);
  EXPECT_TRUE(WIFEXITED(reports.back().wait_status));
  EXPECT_EQ(WEXITSTATUS(reports.back().wait_status), 4);
  std::vector<Handed> left;
  for (ShimReport& r : reports) {
    for (Handed& h : r.left) left.push_back(std::move(h));
  }
  ASSERT_EQ(left.size(), 2u);  // both sleeps, the setsid one included
  for (const Handed& h : left) {
    EXPECT_TRUE(h.pidfd);
    EXPECT_EQ(kill(h.pid, SIGKILL), 0);
  }
  int status;
  EXPECT_EQ(waitpid(child->shim_pid, &status, 0), child->shim_pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// The shim holds none of the spawning process's fds (a pipe end kept open
// by it would hide a service's EOF from tend).
TEST(Lineage, TheShimKeepsNoneOfTendsFds) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  SpawnRequest req;
  req.argv = {"/bin/sleep", "0.3"};
  req.lineage_window = 10s;
  auto child = Spawn(req);
  ASSERT_TRUE(child);
  close(p[1]);
  char c;
  // The pipe's write end is gone from every process: EOF at once, long
  // before the command and its shim end.
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  usleep(50000);
  EXPECT_EQ(read(p[0], &c, 1), 0);
  close(p[0]);
  std::string fds = "/proc/" + std::to_string(child->shim_pid) + "/fd";
  int count = 0;
  if (DIR* d = opendir(fds.c_str())) {
    while (dirent* e = readdir(d)) count += e->d_name[0] != '.';
    closedir(d);
  }
  EXPECT_LE(count, 5);  // stdio, its socket, its signalfd
  ReadAll(child->lineage.Get());
  int status;
  waitpid(child->shim_pid, &status, 0);
}

TEST(Lineage, AfterTheWindowTheShimHandsOverAndTheCommandRunsOn) {
  SpawnRequest req;
  req.argv = {"/bin/sleep", "30"};
  req.lineage_window = 100ms;
  auto child = Spawn(req);
  ASSERT_TRUE(child);
  std::vector<ShimReport> reports = ReadAll(child->lineage.Get());
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().kind, ShimReport::Kind::kHandover);
  int status;
  EXPECT_EQ(waitpid(child->shim_pid, &status, 0), child->shim_pid);
  EXPECT_TRUE(ProcessExists(child->pid));
  kill(child->pid, SIGKILL);
}

TEST(Lineage, AMalformedReportIsAnErrorAndLeaksNoFd) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  int before = OpenFds();
  // A short message carrying an fd.
  int passed = open("/dev/null", O_RDONLY | O_CLOEXEC);
  char junk[3] = {1, 2, 3};
  iovec iov{junk, sizeof junk};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &passed, sizeof passed);
  ASSERT_EQ(sendmsg(sv[1], &msg, 0), 3);
  close(passed);
  auto r = ReadShimReport(sv[0]);
  EXPECT_FALSE(r);
  EXPECT_EQ(OpenFds(), before);
  close(sv[1]);
  auto eof = ReadShimReport(sv[0]);
  EXPECT_FALSE(eof);
  close(sv[0]);
}

TEST(Lineage, GroupMembersListsTheLiveMembersButNeverTendsOwnGroup) {
  EXPECT_TRUE(GroupMembers(getpgrp()).empty());
  EXPECT_TRUE(GroupMembers(1).empty());
  pid_t leader = fork();
  if (leader == 0) {
    setpgid(0, 0);
    pause();
    _exit(0);
  }
  setpgid(leader, leader);
  auto members = GroupMembers(leader);
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].pid, leader);
  kill(leader, SIGKILL);
  waitpid(leader, nullptr, 0);
  EXPECT_TRUE(GroupMembers(leader).empty());
}

}  // namespace
}  // namespace os
