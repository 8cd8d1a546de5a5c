#include "ctl/client_args.h"

#include <gtest/gtest.h>

namespace ctl {
namespace {

using nlohmann::json;

ClientArgsResult Parse(std::vector<std::string> args, const char* env = nullptr) {
  return ParseClientArgs(args, env);
}

json Request(std::vector<std::string> args) {
  ClientArgsResult r = Parse(std::move(args));
  EXPECT_FALSE(r.error) << *r.error;
  return r.args.request;
}

std::string Error(std::vector<std::string> args) {
  ClientArgsResult r = Parse(std::move(args));
  EXPECT_TRUE(r.error);
  return r.error.value_or("");
}

TEST(ClientArgs, OptionsGoBeforeOrAfterTheCommand) {
  for (auto args :
       {std::vector<std::string>{"--json", "status"}, std::vector<std::string>{"status", "--json"},
        std::vector<std::string>{"status", "--socket", "/x.sock", "--json"},
        std::vector<std::string>{"--socket=/x.sock", "status", "--json"}}) {
    ClientArgsResult r = Parse(args);
    ASSERT_FALSE(r.error) << *r.error;
    EXPECT_TRUE(r.args.as_json);
    EXPECT_EQ(r.args.request, json({{"v", 1}, {"cmd", "status"}}));
  }
  ClientArgsResult r = Parse({"status", "web", "--socket", "/x.sock"});
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.args.control, "/x.sock");
  EXPECT_TRUE(r.args.control_given);
  EXPECT_EQ(r.args.request["names"], json::array({"web"}));
}

TEST(ClientArgs, ControlAndSocketAreOneOption) {
  for (const char* flag : {"--control", "--socket"}) {
    ClientArgsResult r = Parse({flag, "/a.sock", "health"}, "/env.sock");
    ASSERT_FALSE(r.error) << *r.error;
    EXPECT_EQ(r.args.control, "/a.sock");
  }
  ClientArgsResult env = Parse({"health"}, "/env.sock");
  EXPECT_EQ(env.args.control, "/env.sock");
  EXPECT_TRUE(env.args.control_given);
  ClientArgsResult none = Parse({"health"}, "");
  EXPECT_EQ(none.args.control, "/run/tend.sock");
  EXPECT_FALSE(none.args.control_given);  // the default may fall back
  EXPECT_NE(Error({"status", "--control"}).find("--control needs a value"), std::string::npos);
  EXPECT_NE(Error({"status", "--socket="}).find("--socket needs a socket path"), std::string::npos);
}

TEST(ClientArgs, LogsFollowAndLinesAnywhere) {
  json want = {{"v", 1}, {"cmd", "logs"}, {"follow", true}, {"lines", 5}, {"names", {"web"}}};
  EXPECT_EQ(Request({"logs", "-f", "web", "-n", "5"}), want);
  EXPECT_EQ(Request({"logs", "web", "-n", "5", "-f"}), want);
  EXPECT_EQ(Request({"logs", "--follow", "--lines=5", "web"}), want);
  ClientArgsResult r = Parse({"logs", "-f", "web"});
  EXPECT_TRUE(r.args.stream);
  EXPECT_FALSE(Parse({"logs", "web"}).args.stream);
  EXPECT_NE(Error({"logs", "web", "-n", "many"}).find("tendctl logs: -n needs a number"),
            std::string::npos);
  EXPECT_NE(Error({"logs", "web", "-n"}).find("-n needs a value"), std::string::npos);
  EXPECT_NE(Error({"logs"}).find("logs needs one service name"), std::string::npos);
}

TEST(ClientArgs, DoubleDashEndsOptions) {
  EXPECT_EQ(Request({"status", "--", "-odd-name", "--json"})["names"],
            json::array({"-odd-name", "--json"}));
  EXPECT_EQ(Request({"--", "status"})["cmd"], "status");
  EXPECT_EQ(Request({"logs", "-f", "--", "-n"})["names"], json::array({"-n"}));
}

TEST(ClientArgs, CommandOptions) {
  EXPECT_EQ(Request({"wait", "web", "--timeout", "2.5"})["timeout"], 2.5);
  EXPECT_EQ(Request({"wait", "--timeout=3", "web"})["timeout"], 3.0);
  EXPECT_EQ(Request({"health", "--all"})["all"], true);
  EXPECT_EQ(Request({"events", "--json", "web"})["names"], json::array({"web"}));
  EXPECT_EQ(Request({"signal", "HUP", "web", "db"}),
            json({{"v", 1}, {"cmd", "signal"}, {"signal", "HUP"}, {"names", {"web", "db"}}}));
}

TEST(ClientArgs, UnknownOptionsNameTheCommandAndTheFix) {
  EXPECT_EQ(Error({"status", "--bogus"}),
            "tendctl status: unknown option '--bogus' (status takes --json, --control PATH; see "
            "tendctl --help)");
  EXPECT_EQ(Error({"logs", "web", "--all"}),
            "tendctl logs: unknown option '--all' (logs takes -n N, -f, --json, --control PATH; "
            "see tendctl --help)");
  EXPECT_EQ(Error({"--bogus", "status"}), "unknown option '--bogus' (see tendctl --help)");
  EXPECT_EQ(Error({"-f", "logs", "web"}), "option '-f' goes with a command: tendctl logs ... -f");
  EXPECT_NE(Error({"signal", "-9", "web"}).find("tendctl signal 9 NAME"), std::string::npos);
  EXPECT_NE(Error({"status", "--json=yes"}).find("--json takes no value"), std::string::npos);
  EXPECT_NE(Error({"wait", "web", "--timeout", "soon"}).find("--timeout needs seconds"),
            std::string::npos);
}

TEST(ClientArgs, CommandsAndTheirArguments) {
  EXPECT_EQ(Error({}), "no command given (see tendctl --help)");
  EXPECT_EQ(Error({"--json"}), "no command given (see tendctl --help)");
  EXPECT_EQ(Error({"stats"}), "unknown command 'stats' (see tendctl --help)");
  EXPECT_NE(Error({"stop"}).find("stop needs service names"), std::string::npos);
  EXPECT_NE(Error({"reload", "now"}).find("reload takes no arguments"), std::string::npos);
  EXPECT_NE(Error({"signal", "HUP"}).find("signal needs a signal and service names"),
            std::string::npos);
  EXPECT_NE(Error({"wait", "--timeout", "1"}).find("wait needs service names"), std::string::npos);
  EXPECT_TRUE(Parse({"events"}).args.stream);
  EXPECT_FALSE(Request({"status"}).contains("names"));
}

TEST(ClientArgs, HelpAndVersionWinWherever) {
  EXPECT_TRUE(Parse({"--help"}).args.help);
  EXPECT_TRUE(Parse({"status", "-h"}).args.help);
  EXPECT_TRUE(Parse({"logs", "--version"}).args.version);
  EXPECT_TRUE(Parse({"-V"}).args.version);
  EXPECT_FALSE(Parse({"-V"}).error);
  EXPECT_NE(ClientUsage().find("--control PATH"), std::string::npos);
}

}  // namespace
}  // namespace ctl
