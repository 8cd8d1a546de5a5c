#include "config/config.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <map>

namespace spec {
namespace {

struct Parsed {
  Config config;
  std::vector<Diagnostic> errors;
  std::string Errors() const {
    std::string out;
    for (const Diagnostic& d : errors) out += d.Format() + "\n";
    return out;
  }
};

LoadContext Ctx() {
  LoadContext c;
  c.env = [](const std::string& k) -> std::optional<std::string> {
    if (k == "HOME") return "/root";
    return std::nullopt;
  };
  c.read_file = [](const std::string& p) -> std::optional<std::string> {
    if (p == "/etc/app.env") return "# c\nexport A=1\nB='two words'\n";
    if (p == "/etc/nul.env") return std::string("A=1\nB=x\0y\n", 10);
    return std::nullopt;
  };
  c.is_dir = [](const std::string& p) { return p == "/" || p == "/var/log" || p == "/var/log/"; };
  c.passwd = "root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/false\n";
  c.group = "root:x:0:\nwww-data:x:33:\nlog:x:4:www-data\n";
  return c;
}

Parsed Toml(std::string_view text) {
  Parsed p;
  ParseToml(text, "t.toml", Ctx(), p.config, p.errors);
  CheckConfig(p.config, p.errors);
  return p;
}

TEST(ParseToml, ReadsEveryKindOfSetting) {
  Parsed p = Toml(R"(
[tend]
grace = "2.5s"
log_format = "json"
timestamps = true

[services.web]
command = "nginx -g 'daemon off;'"
user = "www-data"
groups = ["log"]
env = { HOME_COPY = "${HOME}", D = "${NOPE:-dflt}", L = "$$x" }
env_file = "/etc/app.env"
working_dir = "/srv"
umask = "027"
rlimits = { nofile = 1024, core = "unlimited", nproc = [10, 20] }
nice = 5
stop_signal = "QUIT"
stop_timeout = 3
stop_command = "nginx -s quit"
restart = "on-failure"
backoff_initial = "50ms"
backoff_max = "5s"
start_limit = 4
start_limit_window = "1m"
critical = true
success_exit_status = [0, 3, "SIGHUP"]
stdout = { file = "/var/log/web.log", max_size = "1M", keep = 2 }
stderr = "null"
match = { regex = "nginx: master" }
daemon = false

[services.prep]
type = "oneshot"
command = ["/bin/prep", "--all"]

[services.tick]
type = "oneshot"
schedule = "@hourly"
command = "date"
depends_on = "prep"
)");
  ASSERT_TRUE(p.errors.empty()) << p.Errors();
  ASSERT_EQ(p.config.services.size(), 3u);
  EXPECT_EQ(p.config.global.grace, base::milliseconds(2500));
  EXPECT_EQ(p.config.global.log_format, LogFormat::kJson);
  EXPECT_TRUE(p.config.global.timestamps);
  const ServiceSpec& w = p.config.services[0];
  EXPECT_EQ(w.name, "web");
  EXPECT_EQ(w.command.words, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
  ASSERT_TRUE(w.credentials);
  EXPECT_EQ(w.credentials->uid, 33u);
  EXPECT_EQ(w.credentials->groups, std::vector<gid_t>{4});
  // The env_file is read at each start (app/env_files), not into env.
  EXPECT_EQ(w.env, (std::vector<std::string>{"D=dflt", "HOME_COPY=/root", "L=$x"}));
  EXPECT_EQ(w.env_file, "/etc/app.env");
  EXPECT_EQ(w.working_dir, "/srv");
  EXPECT_EQ(w.umask, mode_t{027});
  ASSERT_EQ(w.rlimits.size(), 3u);
  EXPECT_EQ(w.nice, 5);
  EXPECT_EQ(w.stop_signal, SIGQUIT);
  EXPECT_EQ(w.stop_timeout, base::seconds(3));
  ASSERT_TRUE(w.stop_command);
  EXPECT_EQ(w.restart, RestartPolicy::kOnFailure);
  EXPECT_EQ(w.backoff_initial, base::milliseconds(50));
  EXPECT_EQ(w.start_limit, 4);
  EXPECT_TRUE(w.critical);
  EXPECT_EQ(w.success.Describe(), "0, 3, SIGHUP");
  EXPECT_EQ(w.out.mode, OutputSpec::Mode::kFile);
  EXPECT_EQ(w.out.max_size, 1024u * 1024);
  EXPECT_EQ(w.err.mode, OutputSpec::Mode::kNull);
  EXPECT_EQ(w.match.kind, MatchRule::Kind::kRegex);
  EXPECT_EQ(w.daemon, DaemonMode::kNo);
  EXPECT_EQ(p.config.services[1].type, ServiceType::kOneshot);
  EXPECT_EQ(p.config.services[1].command.words, (std::vector<std::string>{"/bin/prep", "--all"}));
  EXPECT_EQ(p.config.services[1].match.pattern, "prep");
  EXPECT_TRUE(p.config.services[2].schedule);
  EXPECT_EQ(p.config.services[2].depends_on, std::vector<std::string>{"prep"});
}

TEST(ParseToml, KeepsTheOrderOfTheFile) {
  Parsed p = Toml("[services.zeta]\ncommand = \"a\"\n[services.alpha]\ncommand = \"b\"\n");
  ASSERT_EQ(p.config.services.size(), 2u);
  EXPECT_EQ(p.config.services[0].name, "zeta");
}

TEST(ParseToml, ReportsEveryErrorWithPlaceAndHint) {
  Parsed p = Toml(R"([tend]
grace = -1
[services.a]
command = "x"
restrat = "always"
critical = "yes"
user = "nobody"
depends_on = ["b"]
[services.b]
command = "y"
depends_on = ["a"]
restart = "sometimes"
[services.c]
schedule = "* * *"
[services.d]
command = "z"
depends_on = ["bb"]
stop_signal = "KILL"
)");
  std::string all = p.Errors();
  for (const char* want : {
           "t.toml:2:9: 'grace' must be a duration",
           "t.toml:5:1: unknown key 'restrat' in service 'a' (did you mean 'restart'?)",
           "t.toml:6:12: 'critical' must be true or false, got a string",
           "t.toml:7:8: unknown user 'nobody'",
           "t.toml:12:11: 'restart' must be one of \"always\", \"on-failure\", \"never\", got "
           "\"sometimes\"",
           "t.toml:13:1: service 'c' has no 'command'",
           "t.toml:14:12: 'schedule': expected 5 fields",
           "depends on unknown service 'bb' (did you mean 'b'?)",
           "dependency cycle: a -> b -> a",
           "'stop_signal' must be a signal name",
       }) {
    EXPECT_NE(all.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << all;
  }
}

TEST(ParseToml, HooksByEventAndTheirErrors) {
  Parsed p = Toml(R"([services.a]
command = "x"
hooks = { exited = "/bin/alert $TEND_SERVICE", fatal = ["notify", "--fatal"] }
hook_timeout = "5s"
restart_order = "stop-first"
)");
  ASSERT_TRUE(p.errors.empty()) << p.Errors();
  const spec::ServiceSpec& a = p.config.services[0];
  ASSERT_EQ(a.hooks.size(), 2u);
  EXPECT_TRUE(a.hooks.at("exited").needs_shell);
  EXPECT_EQ(a.hooks.at("fatal").words, (std::vector<std::string>{"notify", "--fatal"}));
  EXPECT_EQ(a.hook_timeout, base::seconds(5));
  EXPECT_EQ(a.restart_order, spec::RestartOrder::kStopFirst);
  Parsed bad = Toml(R"([services.a]
command = "x"
hooks = { exit = "y", fatal = [], stopped = 3 }
restart_order = "whenever"
[services.b]
command = "x"
hooks = "y"
)");
  std::string all = bad.Errors();
  for (const char* want : {
           "'hooks': no event 'exit' (events: started, ready, adopted, unhealthy, healthy, "
           "exited, restarting, fatal, stopped)",
           "'hooks.fatal' must be a command line string or a non-empty array of words",
           "'hooks.stopped' must be a command line string",
           "'restart_order' must be \"start-first\"",
           "'hooks' must be a table",
       }) {
    EXPECT_NE(all.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << all;
  }
}

TEST(ParseToml, SyntaxErrorsHaveAPlace) {
  Parsed p = Toml("[services.a]\ncommand = \"x\nfoo");
  ASSERT_FALSE(p.errors.empty());
  EXPECT_EQ(p.errors[0].line, 2);
  EXPECT_NE(p.errors[0].message.find("TOML syntax"), std::string::npos);
}

// toml++ recursed per level and overflowed the stack: tend died with SIGSEGV.
TEST(ParseToml, DeepNestingIsAnErrorNotACrash) {
  std::string dotted = "a";
  for (int i = 0; i < 80000; ++i) dotted += ".a";
  for (const std::string& text :
       {"[" + dotted + "]\n", dotted + " = 1\n", "x = " + std::string(80000, '[') + "\n"}) {
    Parsed p = Toml(text);
    ASSERT_EQ(p.errors.size(), 1u) << p.Errors();
    EXPECT_EQ(p.errors[0].line, 1);
    EXPECT_NE(p.errors[0].message.find("nested deeper than 32 levels"), std::string::npos);
  }
}

// A NUL cut the argument short where it became a C string, silently.
TEST(ParseToml, NulEscapesAreErrorsWithTheirPlace) {
  Parsed p = Toml("[services.a]\ncommand = \"echo a\\u0000b\"\n");
  ASSERT_EQ(p.errors.size(), 1u) << p.Errors();
  EXPECT_EQ(p.errors[0].Format().substr(0, 30), "t.toml:2:18: '\\u0000' is a NUL");
  p = Toml("[services.a]\ncommand = \"true\"\nenv_file = \"/etc/nul.env\"\n");
  ASSERT_EQ(p.errors.size(), 1u) << p.Errors();
  EXPECT_EQ(p.errors[0].Format().substr(0, 27), "/etc/nul.env:2:4: NUL byte,");
}

TEST(LineFormats, NulBytesAreErrorsWithTheirPlace) {
  const std::string text("web: echo a\nworker: echo b\0c\n", 30);
  Parsed p;
  ParseProcfile(text, "Procfile", p.config, p.errors);
  ASSERT_EQ(p.errors.size(), 1u) << p.Errors();
  EXPECT_EQ(p.errors[0].Format().substr(0, 25), "Procfile:2:15: NUL byte, ");
  EXPECT_TRUE(p.config.services.empty());
  Parsed c;
  ParseCfeCsv(std::string("sshd, /usr/sbin/sshd -D\0x\n", 26), "p.csv", c.config, c.errors);
  ASSERT_EQ(c.errors.size(), 1u) << c.Errors();
  EXPECT_EQ(c.errors[0].Format().substr(0, 19), "p.csv:1:24: NUL byt");
}

// A 100 KB name padded every other output line.
TEST(ParseToml, NamesAtMost64Bytes) {
  std::string at_limit(64, 'n');
  Parsed p = Toml("[services." + at_limit + "]\ncommand = 'true'\n");
  ASSERT_TRUE(p.errors.empty()) << p.Errors();
  EXPECT_EQ(p.config.services[0].name, at_limit);
  p = Toml("[services." + at_limit + "x]\ncommand = 'true'\n");
  ASSERT_EQ(p.errors.size(), 1u) << p.Errors();
  EXPECT_EQ(p.errors[0].Format(), "t.toml:1:1: service name '" + std::string(32, 'n') +
                                      "...' is 65 bytes, more than the limit of 64: shorten it");
}

TEST(LineFormats, NamesAtMost64Bytes) {
  std::string name(100000, 'w');
  Parsed p;
  ParseProcfile("ok: true\n" + name + ": true\n", "Procfile", p.config, p.errors);
  ParseCfeCsv(std::string(65, 'c') + ", true\n", "p.csv", p.config, p.errors);
  ASSERT_EQ(p.errors.size(), 2u) << p.Errors();
  EXPECT_EQ(p.errors[0].Format().substr(0, 28), "Procfile:2:1: service name '");
  EXPECT_NE(p.errors[0].message.find("100000 bytes, more than the limit of 64"), std::string::npos);
  EXPECT_LT(p.errors[0].message.size(), 200u);
  EXPECT_NE(p.errors[1].message.find("65 bytes, more than the limit of 64"), std::string::npos);
  ASSERT_EQ(p.config.services.size(), 1u);
}

// stdout = { file = "/nonexistent/dir/w.log" } passed --check and lost every line.
TEST(ParseToml, OutputFilesNeedAnExistingDirectory) {
  Parsed p = Toml(R"([services.a]
command = "true"
stdout = { file = "/nonexistent/dir/w.log" }
stderr = { file = "/var/log/" }
[services.b]
command = "true"
stdout = { file = "/var/log/b.log" }
stderr = { file = "/b.err" }
)");
  ASSERT_EQ(p.errors.size(), 2u) << p.Errors();
  EXPECT_EQ(p.errors[0].Format(),  // keys come in toml++'s order
            "t.toml:4:19: 'stderr.file': /var/log/ is a directory: name a file in it");
  EXPECT_EQ(p.errors[1].Format(),
            "t.toml:3:19: 'stdout.file': directory /nonexistent/dir does not exist: create it, or "
            "write the log elsewhere");
  EXPECT_EQ(p.config.services[1].out.path, "/var/log/b.log");
}

TEST(ParseProcfile, ReadsNamesAndCommands) {
  Parsed p;
  ParseProcfile("# comment\n\nweb: gunicorn app --bind :80\nworker:celery -A x  \r\nbad\n9x?: y\n",
                "Procfile", p.config, p.errors);
  ASSERT_EQ(p.config.services.size(), 2u);
  EXPECT_EQ(p.config.services[0].name, "web");
  EXPECT_EQ(p.config.services[0].match.pattern, "gunicorn");
  EXPECT_EQ(p.config.services[1].command.words, (std::vector<std::string>{"celery", "-A", "x"}));
  ASSERT_EQ(p.errors.size(), 2u) << p.Errors();
  EXPECT_EQ(p.errors[0].Format(), "Procfile:5:1: expected 'name: command', got 'bad'");
  EXPECT_NE(p.errors[1].message.find("bad process name '9x?'"), std::string::npos);
}

TEST(ParseCfeCsv, FirstColumnIsTheProcessToMatch) {
  Parsed p;
  ParseCfeCsv(
      "# STRUCTURE: PROCESS_NAME, START_COMMAND\napache2, /etc/init.d/apache2 start\n"
      "sshd,/usr/sbin/sshd\nmongod, /usr/bin/mongod --a=1,2\nnocomma\n",
      "processes_run.csv", p.config, p.errors);
  ASSERT_EQ(p.config.services.size(), 3u);
  EXPECT_EQ(p.config.services[0].name, "apache2");
  EXPECT_EQ(p.config.services[0].match.pattern, "apache2");
  EXPECT_EQ(p.config.services[0].command.words[1], "start");
  EXPECT_EQ(p.config.services[2].command.words[1], "--a=1,2");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].line, 5);
}

TEST(Durations, AndSizes) {
  EXPECT_EQ(ParseDuration("250ms"), base::milliseconds(250));
  EXPECT_EQ(ParseDuration("1.5m"), base::seconds(90));
  EXPECT_EQ(ParseDuration("7"), base::seconds(7));
  EXPECT_FALSE(ParseDuration("soon"));
  EXPECT_FALSE(ParseDuration("-1s"));
  EXPECT_EQ(ParseDuration(" 2 s "), base::seconds(2));
  for (const char* bad : {"0x10", "0x10s", "1e3", "1e3ms", "inf", "nans", "+1s", ".", "1.2.3s"}) {
    EXPECT_FALSE(ParseDuration(bad)) << bad;
  }
  EXPECT_EQ(ParseSize("10M"), 10u * 1024 * 1024);
  EXPECT_EQ(ParseSize("512"), 512u);
  EXPECT_FALSE(ParseSize("10X"));
}

TEST(Suggest, FindsCloseWordsOnly) {
  std::vector<std::string> keys = {"restart", "command", "critical"};
  EXPECT_EQ(Suggest("restrat", keys), "restart");
  EXPECT_EQ(Suggest("comand", keys), "command");
  EXPECT_FALSE(Suggest("zzzzzz", keys));
}

TEST(ParseToml, ReadsHealthSettings) {
  Parsed p = Toml(R"(
[tend]
http_listen = "127.0.0.1:9001"

[services.db]
command = "postgres"
ready_after = "2s"
start_timeout = "90s"
notify = "systemd"
watchdog_sec = 5
[services.db.readiness]
exec = "pg_isready -q"
period = "1s"
success_threshold = 2

[services.web]
command = "web"
notify_fd = 3
depends_on = ["db"]
[services.web.liveness]
http = ":8080/healthz"
timeout = "300ms"
initial_delay = "5s"
failure_threshold = 5
)");
  ASSERT_EQ(p.errors.size(), 0u) << p.Errors();
  EXPECT_EQ(p.config.global.http_listen, "127.0.0.1:9001");
  const ServiceSpec& db = p.config.services[0];
  EXPECT_EQ(db.ready_after, base::seconds(2));
  EXPECT_EQ(db.start_timeout, base::seconds(90));
  EXPECT_TRUE(db.notify_systemd);
  EXPECT_EQ(db.watchdog, base::seconds(5));
  ASSERT_TRUE(db.readiness);
  EXPECT_EQ(db.readiness->kind, ProbeSpec::Kind::kExec);
  EXPECT_EQ(db.readiness->command.words, (std::vector<std::string>{"pg_isready", "-q"}));
  EXPECT_EQ(db.readiness->period, base::seconds(1));
  EXPECT_EQ(db.readiness->success_threshold, 2);
  EXPECT_EQ(db.readiness->failure_threshold, 3);  // Kubernetes' default
  const ServiceSpec& web = p.config.services[1];
  EXPECT_EQ(web.notify_fd, 3);
  ASSERT_TRUE(web.liveness);
  EXPECT_EQ(web.liveness->kind, ProbeSpec::Kind::kHttp);
  EXPECT_EQ(web.liveness->target, ":8080/healthz");
  EXPECT_EQ(web.liveness->timeout, base::milliseconds(300));
  EXPECT_EQ(web.liveness->initial_delay, base::seconds(5));
  EXPECT_EQ(web.liveness->failure_threshold, 5);
  EXPECT_EQ(web.liveness->period, base::seconds(10));
}

TEST(ParseToml, ReportsBadHealthSettingsWithTheFix) {
  Parsed p = Toml(R"(
[tend]
http_listen = "99999"

[services.a]
command = "a"
notify_fd = 1
[services.a.liveness]
tcp = ":80"
http = ":80/"

[services.b]
command = "b"
[services.b.readiness]
http = "https://127.0.0.1/"
failure_threshold = 0
perod = "1s"

[services.c]
command = "c"
[services.c.liveness]
exec = "true"
success_threshold = 2
)");
  std::string e = p.Errors();
  EXPECT_NE(e.find("t.toml:3:15: http_listen: port 99999 out of range (1-65535)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("'notify_fd' must be between 3 and 1023, got 1"), std::string::npos) << e;
  EXPECT_NE(e.find("'liveness' needs exactly one of exec"), std::string::npos) << e;
  EXPECT_NE(e.find("'readiness.http': "), std::string::npos) << e;
  EXPECT_NE(e.find("'readiness.failure_threshold' must be between 1 and 1000, got 0"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("unknown key 'readiness.perod' (did you mean 'period'?)"), std::string::npos)
      << e;
  EXPECT_NE(e.find("'liveness.success_threshold' must be 1 (as in Kubernetes)"), std::string::npos)
      << e;
}

}  // namespace
}  // namespace spec

namespace spec {
namespace {

TEST(ParseToml, SyslogIsAPathOrOff) {
  Parsed on = Toml("[tend]\nsyslog = \"/run/app/log\"\n[services.a]\ncommand = \"a\"\n");
  ASSERT_EQ(on.errors.size(), 0u) << on.Errors();
  EXPECT_EQ(on.config.global.syslog, "/run/app/log");
  Parsed off = Toml("[tend]\nsyslog = \"\"\n[services.a]\ncommand = \"a\"\n");
  ASSERT_EQ(off.errors.size(), 0u) << off.Errors();
  EXPECT_EQ(off.config.global.syslog, "");
  Parsed unset = Toml("[services.a]\ncommand = \"a\"\n");
  EXPECT_EQ(unset.config.global.syslog, std::nullopt);
  Parsed bad = Toml("[tend]\nsyslog = \"dev/log\"\n[services.a]\ncommand = \"a\"\n");
  EXPECT_NE(bad.Errors().find("t.toml:2:10: 'syslog' must be an absolute path"), std::string::npos)
      << bad.Errors();
  Parsed wrong = Toml("[tend]\nsyslog = true\n[services.a]\ncommand = \"a\"\n");
  EXPECT_NE(wrong.Errors().find("t.toml:2:10:"), std::string::npos) << wrong.Errors();
}

TEST(ParseToml, ReadsListenSockets) {
  Parsed p = Toml(R"([services.web]
command = "x"
listen = ["tcp://0.0.0.0:80", { address = "unix:/run/web.sock", mode = "0660", owner = "www-data", group = "log", name = "admin" }]
[services.dns]
command = "y"
listen = "udp://[::1]:53"
)");
  ASSERT_EQ(p.Errors(), "");
  const auto& web = p.config.services[0].listen;
  ASSERT_EQ(web.size(), 2u);
  EXPECT_EQ(web[0].Address(), "tcp://0.0.0.0:80");
  EXPECT_EQ(web[1].Address(), "unix:/run/web.sock");
  EXPECT_EQ(web[1].mode, mode_t{0660});
  EXPECT_EQ(web[1].uid, uid_t{33});
  EXPECT_EQ(web[1].gid, gid_t{4});
  EXPECT_EQ(web[1].name, "admin");
  ASSERT_EQ(p.config.services[1].listen.size(), 1u);
  EXPECT_EQ(p.config.services[1].listen[0].kind, SocketSpec::Kind::kUdp);
}

TEST(ParseToml, ListenErrorsNameTheKeyAndTheAddress) {
  std::string many = "listen = [";
  for (int i = 0; i < 65; ++i) many += "\"tcp://:" + std::to_string(1000 + i) + "\",";
  many += "]\n";
  Parsed p = Toml(R"([services.a]
command = "x"
listen = ["tcp://1.2.3.4:99999", "tcp://:80", "tcp://*:80", { address = "unix:/a", mode = "rw" }]
[services.b]
command = "x"
listen = ["tcp://:81", "tcp://:82"]
notify_fd = 3
[services.e]
command = "x"
listen = [{ address = "tcp://:83", mode = "0600" }, { address = "unix:/b", ownr = "root" }, 5]
[services.c]
command = "x"
listen = "tcp://:80"
[services.d]
command = "x"
)" + many);
  std::string all = p.Errors();
  for (const char* want : {
           "t.toml:3:11: 'listen': 'tcp://1.2.3.4:99999': port 99999 out of range (1-65535)",
           "t.toml:3:47: 'listen' has tcp://*:80 twice",
           "'listen.mode' must be octal digits",
           "'listen.mode' applies to unix sockets only",
           "unknown key 'listen.ownr' (did you mean 'owner'?)",
           "'listen[]' must be an address like",
           "service 'b': notify_fd 3 is one of its listen sockets' fds (3-4): use notify_fd = 5",
           "service 'c': 'listen' address tcp://*:80 is also in service 'a'",
           "'listen' has 65 addresses, at most 64",
       }) {
    EXPECT_NE(all.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << all;
  }
}

}  // namespace
}  // namespace spec

namespace spec {
namespace {

TEST(ParseTomlSuccessStatus, OneEntryOrAList) {
  Parsed p = Toml("[services.a]\ncommand = \"true\"\nsuccess_exit_status = 3\n");
  ASSERT_TRUE(p.errors.empty()) << p.Errors();
  EXPECT_EQ(p.config.services[0].success.Describe(), "0, 3");
  p = Toml("[services.a]\ncommand = \"true\"\nsuccess_exit_status = \"TERM\"\n");
  ASSERT_TRUE(p.errors.empty()) << p.Errors();
  EXPECT_EQ(p.config.services[0].success.Describe(), "0, SIGTERM");
  p = Toml("[services.a]\ncommand = \"true\"\nsuccess_exit_status = []\n");
  ASSERT_TRUE(p.errors.empty()) << p.Errors();
  EXPECT_TRUE(p.config.services[0].success.IsDefault());
}

TEST(ParseTomlSuccessStatus, BadEntriesAreErrorsAtTheirPlace) {
  struct Case {
    const char* value;
    const char* error;
  } cases[] = {
      {"[0, 256]",
       "t.toml:3:27: 'success_exit_status': must be an exit status from 0 to 255, got 256"},
      {"[-1]", "t.toml:3:24: 'success_exit_status': must be an exit status from 0 to 255, got -1"},
      {"[\"3\"]",
       "t.toml:3:24: 'success_exit_status': write an exit status as a number, not a "
       "string: 3 without quotes"},
      {"[\"SIGNOPE\"]", "t.toml:3:24: 'success_exit_status': unknown signal 'SIGNOPE'"},
      {"[1.5]",
       "t.toml:3:24: 'success_exit_status[]' must be an exit status from 0 to 255 or a "
       "signal name, as in [0, 3, \"SIGHUP\"], got a number"},
      {"true", "t.toml:3:23: 'success_exit_status' must be an exit status"},
      {"{ a = 1 }", "t.toml:3:23: 'success_exit_status' must be an exit status"},
      {"[[3]]", "t.toml:3:24: 'success_exit_status[]' must be"},
  };
  for (const Case& c : cases) {
    Parsed p = Toml(std::string("[services.a]\ncommand = \"true\"\nsuccess_exit_status = ") +
                    c.value + "\n");
    ASSERT_EQ(p.errors.size(), 1u) << c.value << "\n" << p.Errors();
    EXPECT_EQ(p.errors[0].Format().rfind(c.error, 0), 0u) << p.Errors();
  }
}

TEST(ParseTomlSuccessStatus, AHugeListIsOneErrorAtMost) {
  std::string list = "[";
  for (int i = 0; i < 100000; ++i) list += "300, ";
  Parsed p = Toml("[services.a]\ncommand = \"true\"\nsuccess_exit_status = " + list + "]\n");
  EXPECT_EQ(p.errors.size(), 1u);
}

TEST(ParseTomlEnvFile, AMissingFileIsFineWhenAServiceItDependsOnMayWriteIt) {
  Parsed p = Toml(R"(
[services.prep]
type = "oneshot"
command = "true"
[services.app]
command = "true"
depends_on = ["prep"]
env_file = "/run/app.env"
)");
  ASSERT_TRUE(p.errors.empty()) << p.Errors();
  EXPECT_EQ(p.config.services[1].env_file, "/run/app.env");
}

TEST(ParseTomlEnvFile, AMissingFileWithoutDependenciesIsAnErrorSayingHow) {
  Parsed p = Toml("[services.app]\ncommand = \"true\"\nenv_file = \"/run/app.env\"\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].Format(),
            "t.toml:3:12: 'env_file' cannot be read: /run/app.env (check the path; if another "
            "service writes it, add that service to depends_on: the file is read at each start)");
  p = Toml("[services.app]\ncommand = \"true\"\nenv_file = \"\"\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].message, "'env_file' must name a file (or leave the key out)");
}

TEST(ParseTomlEnvFile, AFileThatIsThereIsCheckedAtLoad) {
  LoadContext ctx = Ctx();
  ctx.read_file = [](const std::string&) -> std::optional<std::string> {
    return "A=1\nnonsense\n";
  };
  Parsed p;
  ParseToml(
      "[services.prep]\ncommand = \"true\"\n[services.app]\ncommand = \"true\"\n"
      "depends_on = [\"prep\"]\nenv_file = \"/run/app.env\"\n",
      "t.toml", ctx, p.config, p.errors);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].Format(), "/run/app.env:2:1: expected KEY=value, got 'nonsense'");
}

}  // namespace
}  // namespace spec
