#include "os/spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace os {
namespace {

TEST(SearchPath, UsesThePathOfTheGivenEnvironment) {
  EXPECT_EQ(SearchPath("app", {"HOME=/", "PATH=/opt/a/bin:/usr/bin"}),
            (std::vector<std::string>{"/opt/a/bin/app", "/usr/bin/app"}));
  EXPECT_EQ(SearchPath("app", {"PATH=/x::"}), (std::vector<std::string>{"/x/app", "app", "app"}));
  EXPECT_EQ(SearchPath("app", {}), (std::vector<std::string>{"/bin/app", "/usr/bin/app"}));
  EXPECT_EQ(SearchPath("./app", {"PATH=/x"}), std::vector<std::string>{"./app"});
  EXPECT_EQ(SearchPath("/bin/sh", {"PATH=/x"}), std::vector<std::string>{"/bin/sh"});
}

class SpawnInPath : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tend-spawn-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  void Write(const std::string& name, const std::string& text, mode_t mode) {
    std::ofstream(dir_ + "/" + name) << text;
    chmod((dir_ + "/" + name).c_str(), mode);
  }

  // The exit status of `program` run with PATH=dir_ (tend's own PATH has no dir_).
  base::Result<int> Run(const std::string& program) {
    SpawnRequest r;
    r.argv = {program};
    r.env = {"PATH=/nonexistent:" + dir_};
    auto child = Spawn(r);
    if (!child) return child.Err();
    int status = 0;
    waitpid(child->pid, &status, 0);
    return WEXITSTATUS(status);
  }

  std::string dir_;
};

TEST_F(SpawnInPath, FindsTheProgramInTheServicesPath) {
  Write("tend-test-prog", "#!/bin/sh\nexit 7\n", 0755);
  auto status = Run("tend-test-prog");
  ASSERT_TRUE(status) << status.Err().Describe();
  EXPECT_EQ(*status, 7);
}

TEST_F(SpawnInPath, RunsAScriptWithoutAnInterpreterLineThroughSh) {
  Write("tend-test-script", "exit 3\n", 0755);
  auto status = Run("tend-test-script");
  ASSERT_TRUE(status) << status.Err().Describe();
  EXPECT_EQ(*status, 3);
}

TEST_F(SpawnInPath, ReportsMissingAndNotExecutableLikeAShell) {
  auto missing = Run("tend-test-missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.Err().err, ENOENT);
  EXPECT_EQ(ExecFailureCode(missing.Err()), 127);
  Write("tend-test-plain", "exit 0\n", 0644);
  auto plain = Run("tend-test-plain");
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.Err().err, EACCES);
  EXPECT_EQ(ExecFailureCode(plain.Err()), 126);
}

// Listen fds land at 3, 4, ... in the order given, the notification fd at
// its number, and LISTEN_PID is the pid that execs the command, under a
// lineage shim too.
class SpawnListenFds : public SpawnInPath {
 protected:
  std::string Run(bool shim) {
    int a[2], b[2], n[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a), 0);
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b), 0);
    EXPECT_EQ(pipe2(n, O_CLOEXEC), 0);
    std::string out = dir_ + "/out";
    int fd = open(out.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    SpawnRequest r;
    r.argv = {"/bin/sh", "-c",
              "echo $LISTEN_PID $$ $LISTEN_FDS $LISTEN_FDNAMES $(stat -L -c %i /proc/$$/fd/3) "
              "$(stat -L -c %i /proc/$$/fd/4) $(stat -L -c %i /proc/$$/fd/5)"};
    r.env = {"PATH=/bin:/usr/bin", "LISTEN_PID=1", "LISTEN_FDS=2", "LISTEN_FDNAMES=a:b"};
    r.stdout_fd = fd;
    r.listen_fds = {b[0], a[0]};
    r.extra_fd = n[1];
    r.extra_target = 5;
    if (shim) r.lineage_window = base::seconds(1);
    auto child = Spawn(r);
    EXPECT_TRUE(child) << child.Err().Describe();
    int status = 0;
    if (child) waitpid(child->shim_pid ? child->shim_pid : child->pid, &status, 0);
    std::ostringstream want;
    want << (child ? child->pid : 0) << " " << (child ? child->pid : 0) << " 2 a:b " << Inode(b[0])
         << " " << Inode(a[0]) << " " << Inode(n[1]);
    for (int f : {a[0], a[1], b[0], b[1], n[0], n[1], fd}) close(f);
    std::ifstream in(out);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, want.str());
    return line;
  }
  static ino_t Inode(int fd) {
    struct stat st {};
    fstat(fd, &st);
    return st.st_ino;
  }
};

TEST_F(SpawnListenFds, PlacesThemAndSetsListenPidInTheChild) { Run(false); }

TEST_F(SpawnListenFds, UnderALineageShimToo) { Run(true); }

}  // namespace
}  // namespace os
