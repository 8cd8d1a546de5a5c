#include "config/env_file.h"

#include <gtest/gtest.h>

namespace spec {
namespace {

TEST(EnvFile, ReadsKeyValueLines) {
  EnvFileVars r = ParseEnvFile(
      "# a comment\n\n  export A=1\nB='two words'\nC=\"q\"\nD=\nE=a=b\n\t# indented "
      "comment\nF='x\"\n");
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.vars,
            (std::vector<std::string>{"A=1", "B=two words", "C=q", "D=", "E=a=b", "F='x\""}));
}

TEST(EnvFile, NoTrailingNewlineAndCrlf) {
  EXPECT_EQ(ParseEnvFile("A=1").vars, std::vector<std::string>{"A=1"});
  // A CR stays in the value, as docker's env_file keeps it: said here so
  // that a change is a decision.
  EXPECT_EQ(ParseEnvFile("A=1\r\n").vars, std::vector<std::string>{"A=1\r"});
}

TEST(EnvFile, BadLinesAreErrorsWithTheirNumbers) {
  EnvFileVars r = ParseEnvFile("A=1\nnot a variable\n=x\nB=2\n");
  EXPECT_EQ(r.vars, (std::vector<std::string>{"A=1", "B=2"}));
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_EQ(r.errors[0].message, "expected KEY=value, got 'not a variable'");
  EXPECT_EQ(r.errors[1].line, 3);
}

TEST(EnvFile, AFileOfBadLinesGivesAFewErrorsShortAndOnOneLine) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "junk\x01" + std::string(200, 'x') + "\n";
  EnvFileVars r = ParseEnvFile(text);
  ASSERT_EQ(r.errors.size(), kMaxEnvFileErrors);
  EXPECT_EQ(r.errors.back().line, static_cast<int>(kMaxEnvFileErrors));
  EXPECT_LT(r.errors[0].message.size(), 150u);
  EXPECT_NE(r.errors[0].message.find("\\x01"), std::string::npos);
}

}  // namespace
}  // namespace spec
