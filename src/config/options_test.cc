#include "config/options.h"

#include <gtest/gtest.h>

#include <map>

namespace spec {
namespace {

struct Env {
  std::map<std::string, std::string> vars;
  EnvLookup Lookup() const {
    return [this](const std::string& k) -> std::optional<std::string> {
      auto it = vars.find(k);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

OptionsResult Parse(std::vector<std::string> args, Env env = {}) {
  return ParseOptions(args, env.Lookup());
}

TEST(ParseOptions, BuildsNamedServicesInOrder) {
  OptionsResult r = Parse({"/usr/sbin/sshd -D", "/etc/init.d/apache2 start", "sshd"});
  ASSERT_FALSE(r.error) << *r.error;
  ASSERT_EQ(r.options.services.size(), 3u);
  EXPECT_EQ(r.options.services[0].name, "sshd");
  EXPECT_EQ(r.options.services[1].name, "apache2");
  EXPECT_EQ(r.options.services[2].name, "sshd-2");
  EXPECT_EQ(r.options.services[1].command.words,
            (std::vector<std::string>{"/etc/init.d/apache2", "start"}));
}

TEST(ParseOptions, CutsLongDerivedNamesButMatchesTheWholeBasename) {
  std::string basename(200, 'd');
  OptionsResult r = Parse({"/opt/" + basename + " -x", "/opt/" + basename});
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(r.options.services[0].name, std::string(64, 'd'));
  EXPECT_EQ(r.options.services[1].name, std::string(62, 'd') + "-2");
  EXPECT_EQ(r.options.services[0].match.pattern, basename);
}

TEST(ParseOptions, ReadsOptionsInBothSpellings) {
  OptionsResult r = Parse({"--grace", "2.5", "--restart=never", "--no-prefix", "-q", "--", "-x"});
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(r.options.grace, base::milliseconds(2500));
  EXPECT_EQ(r.options.restart, RestartPolicy::kNever);
  EXPECT_EQ(r.options.services[0].restart, RestartPolicy::kNever);
  EXPECT_FALSE(r.options.prefix);
  EXPECT_EQ(r.options.verbosity, Verbosity::kQuiet);
  EXPECT_EQ(r.options.services[0].name, "-x");
}

TEST(ParseOptions, EnvironmentGivesDefaultsAndFlagsWin) {
  Env env{{{"TEND_GRACE", "3"}, {"TEND_RESTART", "on-failure"}, {"TEND_NO_PREFIX", "1"}}};
  OptionsResult r = Parse({"--grace", "1", "app"}, env);
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(r.options.grace, base::seconds(1));
  EXPECT_EQ(r.options.restart, RestartPolicy::kOnFailure);
  EXPECT_FALSE(r.options.prefix);
}

TEST(ParseOptions, SyslogIsUnsetUnlessGiven) {
  EXPECT_EQ(Parse({"app"}).options.syslog, std::nullopt);  // then /dev/log as PID 1
  EXPECT_EQ(Parse({"--syslog", "", "app"}).options.syslog, "");
  EXPECT_EQ(Parse({"--syslog=/tmp/log", "app"}).options.syslog, "/tmp/log");
  OptionsResult r = Parse({"--syslog", "/a", "app"}, Env{{{"TEND_SYSLOG", "/b"}}});
  EXPECT_EQ(r.options.syslog, "/a");  // the flag wins
  EXPECT_EQ(Parse({"app"}, Env{{{"TEND_SYSLOG", ""}}}).options.syslog, "");
}

TEST(ParseOptions, DefaultGraceFitsInsideDockerStop) {
  OptionsResult r = Parse({"app"});
  EXPECT_LT(r.options.grace, base::seconds(10));
}

TEST(ParseOptions, RejectsBadInputWithOneLineNamingIt) {
  struct Case {
    std::vector<std::string> args;
    Env env;
    std::string needle;
  };
  std::vector<Case> cases = {
      {{"--bogus", "x"}, {}, "unknown option '--bogus'"},
      {{"--grace"}, {}, "--grace: missing value"},
      {{"--grace", "soon", "x"}, {}, "--grace: expected seconds"},
      {{"--grace", "-1", "x"}, {}, "--grace: expected seconds"},
      {{"--restart", "sometimes", "x"}, {}, "--restart: expected always"},
      {{"app", "--restart", "never"}, {}, "option '--restart' comes after the commands"},
      {{"ok", "echo 'oops"}, {}, "command 2 \"echo 'oops\", column 6: unbalanced single quote"},
      {{"ok", "  "}, {}, "command 2 \"  \", column 1: empty command"},
      {{"x"}, Env{{{"TEND_GRACE", "x"}}}, "TEND_GRACE: expected seconds"},
      {{"x"}, Env{{{"TEND_NO_PREFIX", "maybe"}}}, "TEND_NO_PREFIX: expected 1 or 0"},
      // strtod took these: 0x10 was 16 s.
      {{"--grace", "0x10", "x"}, {}, "--grace: expected seconds between 0 and 3600 (decimal"},
      {{"--grace=1e3", "x"}, {}, "--grace: expected seconds"},
      {{"--grace", " 5", "x"}, {}, "--grace: expected seconds"},
      {{"--scan-interval", "0x1", "x"}, {}, "--scan-interval: expected seconds"},
      {{"--scan-interval", "inf", "x"}, {}, "--scan-interval: expected seconds"},
      {{"x"}, Env{{{"TEND_GRACE", "0x10"}}}, "TEND_GRACE: expected seconds"},
      {{"x"}, Env{{{"TEND_SCAN_INTERVAL", "+1"}}}, "TEND_SCAN_INTERVAL: expected seconds"},
      {{"--syslog", "dev/log", "x"}, {}, "--syslog: expected an absolute path"},
      {{"x"}, Env{{{"TEND_SYSLOG", "log"}}}, "TEND_SYSLOG: expected an absolute path"},
  };
  for (const Case& c : cases) {
    OptionsResult r = Parse(c.args, c.env);
    ASSERT_TRUE(r.error) << c.needle;
    EXPECT_NE(r.error->find(c.needle), std::string::npos) << *r.error;
    EXPECT_EQ(r.error->find('\n'), std::string::npos) << *r.error;
  }
}

TEST(ParseOptions, FilesAndCheck) {
  OptionsResult r = Parse({"--config", "/etc/x.toml", "--procfile=Procfile", "--check", "a.toml"},
                          Env{{{"TEND_CFE_CSV", "/p.csv"}}});
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(r.options.config, "/etc/x.toml");
  EXPECT_EQ(r.options.procfile, "Procfile");
  EXPECT_EQ(r.options.cfe_csv, "/p.csv");
  EXPECT_TRUE(r.options.check);
  EXPECT_EQ(r.options.check_files, std::vector<std::string>{"a.toml"});
  EXPECT_TRUE(r.options.services.empty());
  EXPECT_TRUE(r.options.given.count("config"));
  EXPECT_FALSE(r.options.given.count("grace"));
}

TEST(ParseOptions, HelpAndVersionNeedNoCommand) {
  EXPECT_FALSE(Parse({"--help"}).error);
  EXPECT_TRUE(Parse({"--help"}).options.help);
  EXPECT_TRUE(Parse({"-V"}).options.version);
}

}  // namespace
}  // namespace spec

namespace spec {
namespace {

TEST(ParseOptionsCritical, RepeatableAndCommaSeparated) {
  OptionsResult r = Parse({"--critical", "app", "--critical=sshd,nginx", "app", "sshd", "nginx"});
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(r.options.critical, (std::vector<std::string>{"app", "sshd", "nginx"}));
  EXPECT_EQ(r.options.critical_from, "--critical");
}

TEST(ParseOptionsCritical, FromTheEnvironmentUnlessAFlagIsGiven) {
  Env env{{{"TEND_CRITICAL", " web , db "}}};
  OptionsResult r = Parse({"web"}, env);
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(r.options.critical, (std::vector<std::string>{"web", "db"}));
  EXPECT_EQ(r.options.critical_from, "TEND_CRITICAL");
  r = Parse({"--critical", "app", "app"}, env);
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(r.options.critical, std::vector<std::string>{"app"});
  EXPECT_EQ(r.options.critical_from, "--critical");
}

TEST(ParseOptionsCritical, AnEmptyVariableNamesNoneButAnEmptyFlagIsAnError) {
  Env env{{{"TEND_CRITICAL", ""}}};
  OptionsResult r = Parse({"web"}, env);
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_TRUE(r.options.critical.empty());
  r = Parse({"--critical", "", "web"});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->rfind("--critical: empty service name", 0), 0u) << *r.error;
  r = Parse({"--critical"});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, "--critical: missing value (see tend --help)");
  env.vars["TEND_CRITICAL"] = "a,,b";
  r = Parse({"web"}, env);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->rfind("TEND_CRITICAL: empty service name in 'a,,b'", 0), 0u) << *r.error;
}

TEST(ParseOptionsCritical, AfterTheCommandsItIsCaughtAsAnOption) {
  OptionsResult r = Parse({"app", "--critical", "app"});
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find("comes after the commands"), std::string::npos) << *r.error;
}

}  // namespace
}  // namespace spec

namespace spec {
namespace {

// tendctl calls it --socket: both programs take both spellings.
TEST(ParseOptions, SocketIsAnAliasOfControl) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"--socket", "/tmp/a.sock", "x"},
        std::vector<std::string>{"--socket=/tmp/a.sock", "x"},
        std::vector<std::string>{"--control", "/tmp/a.sock", "x"}}) {
    OptionsResult r = Parse(args);
    ASSERT_FALSE(r.error) << *r.error;
    EXPECT_EQ(r.options.control, "/tmp/a.sock");
    EXPECT_TRUE(r.options.given.count("control"));
  }
  OptionsResult r = Parse({"--socket", "relative.sock", "x"});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->rfind("--socket: expected an absolute path", 0), 0u) << *r.error;
}

}  // namespace
}  // namespace spec
