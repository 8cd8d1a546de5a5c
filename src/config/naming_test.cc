#include "config/naming.h"

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

TEST(MakeUnique, CutsLongNamesToFitWithTheirSuffix) {
  std::string basename = std::string(61, 'x') + "_yyyyyyyyyyy";  // 73 bytes
  std::vector<std::string> names = {basename, basename, "short"};
  MakeUnique(names);
  EXPECT_EQ(names[0], std::string(61, 'x') + "_yy");
  EXPECT_EQ(names[1], std::string(61, 'x') + "-2");  // no dangling '_' before the suffix
  EXPECT_EQ(names[2], "short");
  for (const std::string& n : names) EXPECT_LE(n.size(), kMaxNameBytes);
}

TEST(NameTooLong, StatesTheLimit) {
  EXPECT_EQ(NameTooLong(std::string(100000, 'w')),
            "service name '" + std::string(32, 'w') +
                "...' is 100000 bytes, more than the limit of 64: shorten it");
}

}  // namespace
}  // namespace spec
