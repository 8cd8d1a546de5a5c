#include "app/env_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

namespace app {
namespace {

class EnvFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tend-env-files-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  spec::ServiceSpec Service(const std::string& env_file) {
    spec::ServiceSpec s;
    s.name = "app";
    s.env_file = env_file;
    return s;
  }
  // The detail of the failed start Load returned, "" when it loaded.
  std::string Failure(size_t i, const spec::ServiceSpec& s) {
    std::optional<core::Event> failed = files_.Load(i, s);
    if (!failed) return "";
    const auto& exited = std::get<core::events::Exited>(failed->kind);
    EXPECT_EQ(exited.status.AsExitCode(), 126);
    EXPECT_EQ(exited.service, i);
    return exited.detail;
  }

  std::string dir_;
  EnvFiles files_;
};

// Read again at each start: what a oneshot wrote since is what it gets.
TEST_F(EnvFilesTest, ReadAgainAtEachStart) {
  std::string path = Write("app.env", "A=1\n");
  spec::ServiceSpec s = Service(path);
  EXPECT_EQ(Failure(2, s), "");
  EXPECT_EQ(files_.Of(2), std::vector<std::string>{"A=1"});
  EXPECT_TRUE(files_.Of(0).empty());
  EXPECT_TRUE(files_.Of(99).empty());
  Write("app.env", "export A=2\nB='b'\n");
  EXPECT_EQ(Failure(2, s), "");
  EXPECT_EQ(files_.Of(2), (std::vector<std::string>{"A=2", "B=b"}));
  files_.Forget(2);
  EXPECT_TRUE(files_.Of(2).empty());
}

TEST_F(EnvFilesTest, NoEnvFileIsNoVariables) {
  EXPECT_EQ(Failure(0, Service("")), "");
  EXPECT_TRUE(files_.Of(0).empty());
}

TEST_F(EnvFilesTest, AMissingFileFailsTheStartSayingWhy) {
  std::string path = Write("app.env", "A=1\n");
  EXPECT_EQ(Failure(0, Service(path)), "");
  unlink(path.c_str());
  EXPECT_EQ(Failure(0, Service(path)),
            "env_file " + path + " cannot be read (open: No such file or directory)");
  EXPECT_TRUE(files_.Of(0).empty());  // nothing of the last run is kept
}

TEST_F(EnvFilesTest, ABadLineFailsTheStartWithItsPlace) {
  std::string path = Write("app.env", "A=1\nnonsense\n");
  EXPECT_EQ(Failure(0, Service(path)),
            "env_file " + path + ":2: expected KEY=value, got 'nonsense'");
}

TEST_F(EnvFilesTest, NulBytesAndHugeFilesFailTheStart) {
  std::string path = Write("nul.env", std::string("A=1\nB=x\0y\n", 10));
  EXPECT_NE(Failure(0, Service(path)).find("NUL byte"), std::string::npos);
  path = Write("big.env", std::string(2 << 20, '#'));
  EXPECT_NE(Failure(0, Service(path)).find("File too large"), std::string::npos);
}

// PID 1 must not block: a FIFO at the path (a oneshot's mistake) would
// wait for a writer forever; a directory or a device is no file either.
TEST_F(EnvFilesTest, AFifoOrADirectoryIsRefusedAtOnce) {
  std::string fifo = dir_ + "/fifo.env";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Failure(0, Service(fifo)), "env_file " + fifo + " cannot be read (not a regular file)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(Failure(0, Service(dir_)), "env_file " + dir_ + " cannot be read (not a regular file)");
  EXPECT_EQ(Failure(0, Service("/dev/zero")),
            "env_file /dev/zero cannot be read (not a regular file)");
}

}  // namespace
}  // namespace app
