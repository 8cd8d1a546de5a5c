#include "spec/naming.h"

#include <gtest/gtest.h>

namespace spec {
namespace {

std::string Name(std::string_view line) { return NameFor(SplitCommandLine(line).command); }

TEST(NameFor, UsesTheExecutablesBasename) {
  EXPECT_EQ(Name("/usr/sbin/sshd -D"), "sshd");
  EXPECT_EQ(Name("/etc/init.d/apache2 start"), "apache2");
  EXPECT_EQ(Name("redis-server --port 7000"), "redis-server");
  EXPECT_EQ(Name("./bin/"), "bin");
}

TEST(NameFor, SkipsAssignmentsAndExecInShellLines) {
  EXPECT_EQ(Name("FOO=1 BAR=2 /opt/app/run | tee x"), "run");
  EXPECT_EQ(Name("exec /usr/bin/python3 -m http.server"), "python3");
  EXPECT_EQ(Name("sh -c 'exit 7'"), "sh");
}

TEST(NameFor, SanitizesAndFallsBack) {
  EXPECT_EQ(Name("'my app' x"), "my_app");
  EXPECT_EQ(Name("$CMD"), "CMD");
  EXPECT_EQ(Name("'***'"), "sh");
}

TEST(MakeUnique, NumbersRepeatsInOrder) {
  std::vector<std::string> names = {"sh", "web", "sh", "sh", "web"};
  MakeUnique(names);
  EXPECT_EQ(names, (std::vector<std::string>{"sh", "web", "sh-2", "sh-3", "web-2"}));
}

TEST(MakeUnique, SkipsSuffixesAlreadyTaken) {
  std::vector<std::string> names = {"sh", "sh-2", "sh"};
  MakeUnique(names);
  EXPECT_EQ(names, (std::vector<std::string>{"sh", "sh-2", "sh-3"}));
}

}  // namespace
}  // namespace spec
