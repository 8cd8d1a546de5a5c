#include "ctl/protocol.h"

#include <gtest/gtest.h>

namespace ctl {
namespace {

TEST(ParseRequest, AcceptsEachCommand) {
  auto r = ParseRequest(R"({"v":1,"cmd":"signal","signal":"HUP","names":["a","b"]})");
  ASSERT_TRUE(r.request) << r.error;
  EXPECT_EQ(r.request->cmd, Command::kSignal);
  EXPECT_EQ(r.request->signal, "HUP");
  EXPECT_EQ(r.request->names, (std::vector<std::string>{"a", "b"}));
  r = ParseRequest(R"({"v":1,"cmd":"logs","names":["w"],"lines":5,"follow":true})");
  ASSERT_TRUE(r.request) << r.error;
  EXPECT_EQ(r.request->lines, 5);
  EXPECT_TRUE(r.request->follow);
  EXPECT_TRUE(ParseRequest(R"({"v":1,"cmd":"status"})").request);
  EXPECT_TRUE(ParseRequest(R"({"v":1,"cmd":"reload"})").request);
  EXPECT_DOUBLE_EQ(
      ParseRequest(R"({"v":1,"cmd":"wait","names":["all"],"timeout":2.5})").request->timeout, 2.5);
  r = ParseRequest(R"({"v":1,"cmd":"health","all":true})");
  ASSERT_TRUE(r.request) << r.error;
  EXPECT_EQ(r.request->cmd, Command::kHealth);
  EXPECT_TRUE(r.request->all);
  EXPECT_TRUE(r.request->names.empty());
}

TEST(ParseRequest, RejectsWhatIsNotExactlyRight) {
  for (const char* bad :
       {"", "nope", "[]", "{}", R"({"v":"1","cmd":"status"})", R"({"v":1})", R"({"v":1,"cmd":5})",
        R"({"v":1,"cmd":"stop"})", R"({"v":1,"cmd":"stop","names":[]})",
        R"({"v":1,"cmd":"logs","names":["a","b"]})", R"({"v":1,"cmd":"signal","names":["a"]})",
        R"({"v":1,"cmd":"logs","names":["a"],"lines":-1})",
        R"({"v":1,"cmd":"wait","names":["a"],"timeout":"x"})", R"({"v":1,"cmd":"status","x":1})",
        R"({"v":1,"cmd":"health","all":"yes"})"}) {
    EXPECT_FALSE(ParseRequest(bad).request) << bad;
    EXPECT_FALSE(ParseRequest(bad).error.empty()) << bad;
  }
  EXPECT_EQ(ParseRequest(std::string(kMaxRequest + 1, ' ')).error, "request too long");
}

TEST(ParseRequest, NamesAtMost64Bytes) {
  std::string at_limit(64, 'n');
  auto r = ParseRequest(R"({"v":1,"cmd":"stop","names":[")" + at_limit + R"("]})");
  ASSERT_TRUE(r.request) << r.error;
  r = ParseRequest(R"({"v":1,"cmd":"stop","names":["a",")" + std::string(1000, 'n') + R"("]})");
  EXPECT_FALSE(r.request);
  EXPECT_EQ(r.error, "service name '" + std::string(32, 'n') +
                         "...' is 1000 bytes: no service has a name longer than 64");
}

TEST(ErrorReply, IsOneJsonLine) {
  EXPECT_EQ(ErrorReply("bad \"x\"\n"), "{\"v\":1,\"ok\":false,\"error\":\"bad \\\"x\\\"\\n\"}\n");
}

TEST(StatusReply, NamesAnInstancesGroupAndNumber) {
  core::ServiceView alone, instance;
  alone.name = "web";
  alone.state = "running";
  alone.health = "-";
  instance = alone;
  instance.name = "worker-2";
  instance.group = "worker";
  instance.instance = 2;
  std::string reply = StatusReply({alone, instance});
  EXPECT_NE(reply.find(R"({"name":"web","state":"running")"), std::string::npos) << reply;
  EXPECT_NE(reply.find(R"({"name":"worker-2","group":"worker","instance":2,"state":"running")"),
            std::string::npos)
      << reply;
}

}  // namespace
}  // namespace ctl
