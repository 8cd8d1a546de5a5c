#include "logs/prefixer.h"

#include <gtest/gtest.h>

namespace logs {
namespace {

constexpr const char* kTime = "2026-11-22T01:02:03.456Z";

TEST(Prefixer, PadsNamesToOneWidth) {
  Prefixer p({"sshd", "apache2"}, {});
  std::string out;
  p.Format(0, "stdout", "listening", kTime, out);
  p.Format(1, "stdout", "", kTime, out);
  EXPECT_EQ(out, "sshd    | listening\napache2 | \n");
}

TEST(Prefixer, ColoursOnlyWhenAsked) {
  Prefixer p({"a"}, {true, false, false});
  std::string out;
  p.Format(0, "stdout", "x", kTime, out);
  EXPECT_EQ(out, "\033[36ma | \033[0mx\n");
}

TEST(Prefixer, TimestampsGoFirst) {
  Prefixer p({"a"}, {false, false, true});
  std::string out;
  p.Format(0, "stdout", "x", kTime, out);
  p.FormatOwn("info", "started", kTime, out);
  EXPECT_EQ(out, std::string(kTime) + " a | x\n" + kTime + " tend: started\n");
}

TEST(Prefixer, JsonLinesAreEscapedObjects) {
  Prefixer p({"web"}, {true, true, false});  // no colour codes in JSON
  std::string out;
  p.Format(0, "stderr", "say \"hi\"\t\\ \x01", kTime, out);
  EXPECT_EQ(out,
            std::string("{\"time\":\"") + kTime +
                "\",\"service\":\"web\",\"stream\":\"stderr\",\"line\":\"say \\\"hi\\\"\\t\\\\ "
                "\\u0001\"}\n");
  out.clear();
  p.FormatOwn("warn", "x", kTime, out);
  EXPECT_EQ(out,
            std::string("{\"time\":\"") + kTime +
                "\",\"service\":\"tend\",\"stream\":\"log\",\"level\":\"warn\",\"line\":\"x\"}\n");
}

// JSON must stay valid whatever a service writes; plain text keeps its bytes.
TEST(Prefixer, InvalidUtf8IsReplacedInJsonOnly) {
  std::string out;
  Prefixer({"a"}, {false, true, false}).Format(0, "stdout", "caf\xE9", kTime, out);
  EXPECT_NE(out.find("\"line\":\"caf\xEF\xBF\xBD\"}"), std::string::npos) << out;
  out.clear();
  Prefixer({"a"}, {}).Format(0, "stdout", "caf\xE9", kTime, out);
  EXPECT_EQ(out, "a | caf\xE9\n");
}

TEST(Prefixer, OwnLinesSayTend) {
  Prefixer p({}, {});
  std::string out;
  p.FormatOwn("info", "started", kTime, out);
  EXPECT_EQ(out, "tend: started\n");
}

}  // namespace
}  // namespace logs

namespace logs {
namespace {

TEST(Prefixer, OtherNamesArePaddedWithoutColour) {
  Prefixer p({"web", "worker"}, LineStyle{true, false, false});
  std::string out;
  p.FormatNamed("cron", "stdout", "hi", "", out);
  EXPECT_EQ(out, "cron   | hi\n");
  out.clear();
  p.FormatNamed("a-long-tag", "stdout", "hi", "", out);
  EXPECT_EQ(out, "a-long-tag | hi\n");
}

}  // namespace
}  // namespace logs
