#include "app/spawn_request.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>

namespace app {
namespace {

bool Has(const std::vector<std::string>& env, const std::string& kv) {
  return std::find(env.begin(), env.end(), kv) != env.end();
}

spec::ServiceSpec Service() {
  spec::ServiceSpec s;
  s.name = "web";
  s.command.words = {"/bin/web", "--port", "80"};
  return s;
}

TEST(SpawnRequest, EnvironmentLayersInOrder) {
  spec::ServiceSpec s = Service();
  s.credentials = spec::Credentials{};
  s.credentials->user = "www";
  s.credentials->home = "/var/www";
  s.env = {"PATH=/opt/bin", "HOME=/custom"};
  SpawnContext ctx;
  ctx.tend_env = {"PATH=/usr/bin", "LANG=C", "HOME=/root"};
  os::SpawnRequest r = BuildSpawnRequest(s, s.command, ctx);
  EXPECT_EQ(r.argv, (std::vector<std::string>{"/bin/web", "--port", "80"}));
  EXPECT_TRUE(Has(r.env, "PATH=/opt/bin"));  // the service's own env wins
  EXPECT_TRUE(Has(r.env, "LANG=C"));
  EXPECT_TRUE(Has(r.env, "HOME=/custom"));
  EXPECT_TRUE(Has(r.env, "USER=www"));
  EXPECT_TRUE(Has(r.env, "LOGNAME=www"));
  EXPECT_FALSE(std::any_of(r.env.begin(), r.env.end(), [](const std::string& kv) {
    return kv.rfind("NOTIFY_SOCKET=", 0) == 0;
  }));
}

TEST(SpawnRequest, SdNotifyServicesGetTheSocketAndWatchdog) {
  spec::ServiceSpec s = Service();
  s.notify_systemd = true;
  s.watchdog = base::seconds(3);
  SpawnContext ctx;
  ctx.notify_socket = "@tend/notify/1/2";
  os::SpawnRequest r = BuildSpawnRequest(s, s.command, ctx);
  EXPECT_TRUE(Has(r.env, "NOTIFY_SOCKET=@tend/notify/1/2"));
  EXPECT_TRUE(Has(r.env, "WATCHDOG_USEC=3000000"));
}

// tend raises its own fd limit; services get the one it was started with,
// unless they set theirs.
TEST(SpawnRequest, ServicesGetTheOriginalNofileBack) {
  spec::ServiceSpec s = Service();
  SpawnContext ctx;
  ctx.nofile = {RLIMIT_NOFILE, 1024, 524288};
  ctx.fds = {5, 6};
  os::SpawnRequest r = BuildSpawnRequest(s, s.command, ctx);
  ASSERT_EQ(r.rlimits.size(), 1u);
  EXPECT_EQ(r.rlimits[0], ctx.nofile);
  EXPECT_EQ(r.stdout_fd, 5);
  EXPECT_EQ(r.stderr_fd, 6);
  ctx.nofile_hard_now = 512;  // lowered since tend started
  r = BuildSpawnRequest(s, s.command, ctx);
  EXPECT_EQ(r.rlimits[0].hard, 512u);
  EXPECT_EQ(r.rlimits[0].soft, 512u);
  s.rlimits = {{RLIMIT_NOFILE, 77, 77}};
  r = BuildSpawnRequest(s, s.command, ctx);
  ASSERT_EQ(r.rlimits.size(), 1u);
  EXPECT_EQ(r.rlimits[0].soft, 77u);
}

}  // namespace
}  // namespace app

namespace app {
namespace {

TEST(SpawnRequest, ListenFdsReplaceInheritedListenVariables) {
  spec::ServiceSpec spec;
  spec.command.words = {"app"};
  SpawnContext ctx;
  ctx.tend_env = {"PATH=/bin", "LISTEN_FDS=4", "LISTEN_PID=1", "LISTEN_FDNAMES=x"};
  os::SpawnRequest plain = BuildSpawnRequest(spec, spec.command, ctx);
  EXPECT_EQ(plain.env, std::vector<std::string>{"PATH=/bin"});  // tend's own, not the service's
  os::SpawnRequest req = plain;
  AddListenFds(req, {7, 9}, {"web", "admin"});
  EXPECT_EQ(req.listen_fds, (std::vector<int>{7, 9}));
  EXPECT_EQ(req.env,
            (std::vector<std::string>{"PATH=/bin", "LISTEN_FDS=2", "LISTEN_FDNAMES=web:admin"}));
  AddListenFds(plain, {}, {});
  EXPECT_TRUE(plain.listen_fds.empty());
}

}  // namespace
}  // namespace app

namespace app {
namespace {

// The env_file as read at this start comes over tend's environment and
// under the service's env.
TEST(SpawnRequest, EnvFileGoesBetweenTendsEnvironmentAndEnv) {
  spec::ServiceSpec s = Service();
  s.env = {"B=from-env"};
  SpawnContext ctx;
  ctx.tend_env = {"A=tend", "B=tend", "C=tend"};
  ctx.env_file = {"A=file", "B=file", "PATH=/opt/file/bin"};
  os::SpawnRequest r = BuildSpawnRequest(s, s.command, ctx);
  EXPECT_TRUE(Has(r.env, "A=file"));
  EXPECT_TRUE(Has(r.env, "B=from-env"));
  EXPECT_TRUE(Has(r.env, "C=tend"));
  EXPECT_TRUE(Has(r.env, "PATH=/opt/file/bin"));
}

}  // namespace
}  // namespace app
