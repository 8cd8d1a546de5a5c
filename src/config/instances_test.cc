#include "config/instances.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "config/config.h"

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
  std::vector<std::string> Names() const {
    std::vector<std::string> out;
    for (const ServiceSpec& s : config.services) out.push_back(s.name);
    return out;
  }
};

LoadContext Ctx() {
  LoadContext c;
  c.env = [](const std::string& k) -> std::optional<std::string> {
    if (k == "BASE") return "/srv";
    return std::nullopt;
  };
  c.read_file = [](const std::string& p) -> std::optional<std::string> {
    if (p == "/etc/w1.env" || p == "/etc/w2.env") return "FROM_FILE=" + p + "\n";
    return std::nullopt;
  };
  c.is_dir = [](const std::string& p) { return p == "/var/log" || p == "/var/log/w1"; };
  c.passwd = "root:x:0:0::/root:/bin/sh\nw1:x:1001:1001::/home/w1:/bin/sh\n";
  c.group = "root:x:0:\n";
  return c;
}

Parsed Toml(std::string_view text) {
  Parsed p;
  ParseToml(text, "t.toml", Ctx(), p.config, p.errors);
  CheckConfig(p.config, p.errors);
  return p;
}

bool HasError(const Parsed& p, const std::string& needle) {
  return p.Errors().find(needle) != std::string::npos;
}

TEST(Instances, NamesAndSubstitution) {
  EXPECT_EQ(InstanceName("worker", 2, 3), "worker-2");
  EXPECT_EQ(InstanceName("worker", 1, 1), "worker");
  EXPECT_EQ(SubstituteInstance("--id={instance} {instance}{instance}", 12), "--id=12 1212");
  EXPECT_EQ(SubstituteInstance("{instanc} {{instance}}", 3), "{instanc} {3}");
  EXPECT_EQ(SubstituteInstance("", 3), "");
  EXPECT_FALSE(InstanceNamesTooLong(std::string(59, 'a'), 1000));  // 59 + "-1000" = 64
  auto too_long = InstanceNamesTooLong(std::string(60, 'a'), 1000);
  ASSERT_TRUE(too_long);
  EXPECT_NE(too_long->find("65 bytes, more than the limit of 64"), std::string::npos);
  EXPECT_FALSE(InstanceNamesTooLong(std::string(64, 'a'), 1));  // one keeps the plain name
}

TEST(Instances, EachInstanceIsAServiceWithItsNumberInEveryString) {
  Parsed p = Toml(R"(
[services.worker]
instances = 3
command = "/bin/work --id {instance} --base ${BASE}"
env = { SLOT = "slot-{instance}", HOME_OF = "${BASE}/{instance}" }
working_dir = "/srv/w{instance}"
stdout = { file = "/var/log/worker-{instance}.log" }
readiness = { http = "http://127.0.0.1:80{instance}/ready" }
listen = "tcp://127.0.0.1:8000"

[services.web]
command = ["/bin/web", "--workers", "{instance}"]
depends_on = ["worker"]
)");
  ASSERT_TRUE(p.errors.empty()) << p.Errors();
  EXPECT_EQ(p.Names(), (std::vector<std::string>{"worker-1", "worker-2", "worker-3", "web"}));
  const ServiceSpec& w2 = p.config.services[1];
  EXPECT_EQ(w2.group, "worker");
  EXPECT_EQ(w2.instance, 2);
  EXPECT_EQ(w2.command.words,
            (std::vector<std::string>{"/bin/work", "--id", "2", "--base", "${BASE}"}));
  EXPECT_TRUE(w2.command.needs_shell);  // "${BASE}" in a command is the shell's
  EXPECT_EQ(w2.command.line, "/bin/work --id 2 --base ${BASE}");
  EXPECT_EQ(w2.env, (std::vector<std::string>{"HOME_OF=/srv/2", "SLOT=slot-2", "TEND_INSTANCE=2"}));
  EXPECT_EQ(w2.working_dir, "/srv/w2");
  EXPECT_EQ(w2.out.path, "/var/log/worker-2.log");
  EXPECT_EQ(w2.readiness->target, "http://127.0.0.1:802/ready");
  EXPECT_EQ(w2.listen, p.config.services[0].listen);  // shared by the group
  EXPECT_EQ(w2.match.pattern, "work");
  // A service on its own: no number, no substitution, no TEND_INSTANCE.
  const ServiceSpec& web = p.config.services[3];
  EXPECT_EQ(web.instance, 0);
  EXPECT_TRUE(web.group.empty());
  EXPECT_EQ(web.command.words[2], "{instance}");
  EXPECT_TRUE(web.env.empty());
  EXPECT_TRUE(web.DependsOn(w2));
  EXPECT_TRUE(w2.IsCalled("worker") && w2.IsCalled("worker-2") && !w2.IsCalled("worker-1"));
}

TEST(Instances, OneInstanceKeepsThePlainNameAndGetsItsNumber) {
  Parsed p = Toml("[services.worker]\ninstances = 1\ncommand = \"/bin/work {instance}\"\n");
  ASSERT_TRUE(p.errors.empty()) << p.Errors();
  ASSERT_EQ(p.Names(), std::vector<std::string>{"worker"});
  const ServiceSpec& w = p.config.services[0];
  EXPECT_EQ(w.group, "worker");
  EXPECT_EQ(w.instance, 1);
  EXPECT_EQ(w.command.words[1], "1");
  EXPECT_EQ(w.env, std::vector<std::string>{"TEND_INSTANCE=1"});
}

TEST(Instances, PerInstanceFilesAndUsers) {
  Parsed p = Toml(R"(
[services.w]
instances = 2
command = "run"
user = "w{instance}"
env_file = "/etc/w{instance}.env"
)");
  // Instance 2's user does not exist: its error says which instance.
  EXPECT_TRUE(HasError(p,
                       "t.toml:5:8: unknown user 'w2' (not in /etc/passwd: add it, or give a "
                       "uid) (in instance w-2)"))
      << p.Errors();
  EXPECT_EQ(p.Names(), (std::vector<std::string>{"w-1", "w-2"}));
  EXPECT_EQ(p.config.services[0].credentials->uid, 1001u);
  EXPECT_EQ(p.config.services[0].env_file, "/etc/w1.env");  // read at each start
}

TEST(Instances, AnOutputDirectoryIsCheckedForEachInstance) {
  Parsed p = Toml(
      "[services.w]\ninstances = 3\ncommand = \"run\"\n"
      "stdout = { file = \"/var/log/w{instance}/out.log\" }\n");
  EXPECT_TRUE(HasError(p, "directory /var/log/w2 does not exist"));
  EXPECT_FALSE(HasError(p, "/var/log/w3"));  // one instance with errors says enough
  EXPECT_EQ(p.Names(), (std::vector<std::string>{"w-1", "w-2", "w-3"}));
}

TEST(Instances, HostileCountsAreErrorsNamingTheKey) {
  for (const char* value : {"0", "-1", "100000", "\"3\"", "2.5", "true"}) {
    Parsed p = Toml(std::string("[services.w]\ncommand = \"run\"\ninstances = ") + value + "\n");
    EXPECT_TRUE(HasError(p, "t.toml:3:13: 'instances' must be")) << value << "\n" << p.Errors();
    EXPECT_EQ(p.Names(), std::vector<std::string>{"w"});  // read as one: its other errors show
  }
  Parsed p = Toml("[services.w]\ncommand = \"run\"\ninstances = 1001\n");
  EXPECT_TRUE(HasError(p, "'instances' must be between 1 and 1000, got 1001"));
  p = Toml("[services.w]\ncommand = \"run\"\ninstances = 1000\n");
  EXPECT_TRUE(p.errors.empty()) << p.Errors();
  EXPECT_EQ(p.config.services.size(), 1000u);
  EXPECT_EQ(p.config.services.back().name, "w-1000");
  p = Toml("[services." + std::string(60, 'a') + "]\ncommand = \"run\"\ninstances = 1000\n");
  EXPECT_TRUE(HasError(p, "makes names like '" + std::string(60, 'a') + "-1000' of 65 bytes"));
}

TEST(Instances, AllInstancesTogetherAreBounded) {
  std::string big = "[services.w]\ninstances = 1000\ncommand = \"run\"\nenv = { BIG = \"" +
                    std::string(20000, 'x') + "\" }\n";
  Parsed p = Toml(big);
  EXPECT_TRUE(HasError(p,
                       "t.toml:1:1: service 'w': instances = 1000 copies of its 20025 bytes of "
                       "command lines and environment make 19 MiB in all instances (every "
                       "service's together), more than the limit of 16 MiB: run fewer, or "
                       "shorten the command, env or env_file"))
      << p.Errors();
  EXPECT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.config.services.size(), 1u);  // not read, nor copied, a thousand times
  p = Toml(big.replace(big.find("1000"), 4, "100"));
  EXPECT_TRUE(p.errors.empty()) << p.Errors();

  // Many small groups: the sum is bounded, across files too.
  std::string five;
  for (int k = 0; k < 5; ++k) {
    five += "[services.s" + std::to_string(k) + "]\ninstances = 1000\ncommand = \"run\"\n";
  }
  Config config;
  std::vector<Diagnostic> errors;
  ParseToml(five.substr(0, five.size() / 5 * 4), "a.toml", Ctx(), config, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(config.instances.count, 4000);
  ParseToml("[services.t]\ninstances = 97\ncommand = \"run\"\n", "b.toml", Ctx(), config, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].Format(),
            "b.toml:1:1: service 't': instances = 97 makes 4097 instances in all (every "
            "service's together), more than the limit of 4096: run fewer");
  EXPECT_EQ(config.services.size(), 4001u);
}

TEST(Instances, WhatEveryInstanceWouldShareIsRefusedWithTheFix) {
  Parsed p = Toml(R"([services.w]
instances = 2
command = "run"
stdout = { file = "/var/log/w.log" }
stderr = { file = "/var/log/w-{instance}.err" }
pidfile = "/run/w.pid"
)");
  EXPECT_TRUE(HasError(p,
                       "t.toml:1:1: service 'w': 'stdout.file' is /var/log/w.log for both w-1 and "
                       "w-2 (instances = 2): put {instance} in it, like "
                       "\"/var/log/app-{instance}.log\""))
      << p.Errors();
  EXPECT_FALSE(HasError(p, "stderr.file"));
  EXPECT_TRUE(HasError(p, "'pidfile' is /run/w.pid for both w-1 and w-2"));
}

TEST(Instances, NamesMustNotClash) {
  Parsed p = Toml(R"([services.worker]
instances = 3
command = "run"
[services.worker-2]
command = "other"
)");
  EXPECT_TRUE(HasError(p,
                       "t.toml:4:1: service name 'worker-2' is taken twice: by instance 2 of "
                       "'worker' (t.toml:1) and by service 'worker-2' (t.toml:4); rename one of "
                       "them, or change 'instances'"))
      << p.Errors();
  // The group's own name is taken too: tendctl and depends_on use it.
  Config config;
  std::vector<Diagnostic> errors;
  ParseToml("[services.worker]\ninstances = 2\ncommand = \"run\"\n", "t.toml", Ctx(), config,
            errors);
  ParseProcfile("worker: other\n", "Procfile", config, errors);
  CheckConfig(config, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].Format(),
            "Procfile:1:1: service 'worker' (Procfile:1) has the name of the instances of "
            "'worker' (t.toml:1), which tendctl and depends_on use for them all: rename one of "
            "them");
}

TEST(Instances, DependenciesOnAGroupAndItsInstances) {
  Parsed p = Toml(R"([services.db]
instances = 2
command = "db"
[services.api]
instances = 2
command = "api"
depends_on = ["db-{instance}"]
[services.web]
command = "web"
depends_on = ["api", "dbb"]
)");
  EXPECT_TRUE(HasError(p, "depends on unknown service 'dbb' (did you mean 'db'?)")) << p.Errors();
  EXPECT_EQ(p.errors.size(), 1u) << p.Errors();
  EXPECT_EQ(p.config.services[3].depends_on, std::vector<std::string>{"db-2"});
  p = Toml("[services.w]\ninstances = 2\ncommand = \"w\"\ndepends_on = [\"w\"]\n");
  EXPECT_TRUE(HasError(p, "dependency cycle: w-1 -> w-1")) << p.Errors();
}

TEST(Instances, AGroupSharesItsListenAddressesButNoOtherServiceMay) {
  Parsed p = Toml(R"([services.w]
instances = 2
command = "w"
listen = ["tcp://127.0.0.1:8000", "tcp://127.0.0.1:81{instance}"]
[services.x]
command = "x"
listen = "tcp://127.0.0.1:8000"
)");
  EXPECT_TRUE(HasError(p,
                       "service 'x': 'listen' address tcp://127.0.0.1:8000 is also in service "
                       "'w': each address belongs to one service"))
      << p.Errors();
  EXPECT_EQ(p.errors.size(), 1u) << p.Errors();
  EXPECT_EQ(p.config.services[1].listen[1].Address(), "tcp://127.0.0.1:812");
}

}  // namespace
}  // namespace spec
