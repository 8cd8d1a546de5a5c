#include "os/spawn.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

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

}  // namespace
}  // namespace os
