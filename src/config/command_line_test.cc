#include "config/command_line.h"

#include <gtest/gtest.h>

namespace spec {
namespace {

using Words = std::vector<std::string>;

CommandLine Ok(std::string_view line) {
  SplitResult r = SplitCommandLine(line);
  EXPECT_FALSE(r.error) << line << ": " << r.error->message;
  return r.command;
}

SplitError Bad(std::string_view line) {
  SplitResult r = SplitCommandLine(line);
  EXPECT_TRUE(r.error) << line;
  return r.error.value_or(SplitError{});
}

TEST(SplitCommandLine, SplitsOnBlanks) {
  CommandLine c = Ok("  /usr/sbin/sshd   -D\t-e ");
  EXPECT_EQ(c.words, (Words{"/usr/sbin/sshd", "-D", "-e"}));
  EXPECT_FALSE(c.needs_shell);
  EXPECT_EQ(c.Argv(), c.words);
}

TEST(SplitCommandLine, HonoursQuotesAndBackslashes) {
  EXPECT_EQ(Ok("echo 'a b' \"c d\" e\\ f").words, (Words{"echo", "a b", "c d", "e f"}));
  EXPECT_EQ(Ok("echo 'it''s' \"say \\\"hi\\\"\"").words, (Words{"echo", "its", "say \"hi\""}));
  EXPECT_EQ(Ok("echo \"a\\b\"").words, (Words{"echo", "a\\b"}));  // \b stays in "..."
  EXPECT_EQ(Ok("echo ''").words, (Words{"echo", ""}));
  EXPECT_EQ(Ok("echo 'a|b' \"x;y\" '$HOME'").needs_shell, false);
}

TEST(SplitCommandLine, DetectsLinesThatNeedAShell) {
  for (const char* line : {"a | b",  "a && b",      "a; b",           "a > f",       "a < f",
                           "a &",    "echo $HOME",  "echo ${X}",      "echo `date`", "ls *.txt",
                           "ls ?",   "ls [ab]",     "FOO=1 app",      "cd /tmp",     "exec app",
                           "echo ~", "a # comment", "echo \"$HOME\"", "(sub)",       "a\nb"}) {
    CommandLine c = Ok(line);
    EXPECT_TRUE(c.needs_shell) << line;
    EXPECT_EQ(c.Argv(), (Words{"/bin/sh", "-c", line})) << line;
  }
}

TEST(SplitCommandLine, PlainLinesNeedNoShell) {
  for (const char* line : {"nginx -g 'daemon off;'", "app --opt=1", "x a=b", "a#b", "'cd' x",
                           "/etc/init.d/apache2 start", "a~b"}) {
    EXPECT_FALSE(Ok(line).needs_shell) << line;
  }
}

TEST(SplitCommandLine, ReportsUnbalancedQuotesWithColumn) {
  SplitError e = Bad("echo 'abc");
  EXPECT_EQ(e.column, 6u);
  EXPECT_NE(e.message.find("single quote"), std::string::npos);
  e = Bad("a b \"c");
  EXPECT_EQ(e.column, 5u);
  EXPECT_NE(e.message.find("double quote"), std::string::npos);
}

TEST(SplitCommandLine, ReportsEmptyAndTrailingBackslash) {
  EXPECT_NE(Bad("").message.find("empty"), std::string::npos);
  EXPECT_NE(Bad("   \t ").message.find("empty"), std::string::npos);
  SplitError e = Bad("echo a\\");
  EXPECT_EQ(e.column, 7u);
  EXPECT_NE(e.message.find("backslash"), std::string::npos);
}

}  // namespace
}  // namespace spec
