#include "logs/prefixer.h"

#include <gtest/gtest.h>

namespace logs {
namespace {

constexpr const char* kTime = "2026-11-22T01:02:03.456Z";

TEST(Prefixer, PadsNamesToOneWidth) {
  Prefixer p({"sshd", "apache2"}, {});
  std::string out;
  p.Format(0, "stdout", "listening", kTime, out, true);
  p.Format(1, "stdout", "", kTime, out, true);
  EXPECT_EQ(out, "sshd    | listening\napache2 | \n");
}

TEST(Prefixer, ColoursOnlyWhenAsked) {
  Prefixer p({"a"}, {true, false, false});
  std::string out;
  p.Format(0, "stdout", "x", kTime, out, true);
  EXPECT_EQ(out, "\033[36ma | \033[0mx\n");
}

TEST(Prefixer, TimestampsGoFirst) {
  Prefixer p({"a"}, {false, false, true});
  std::string out;
  p.Format(0, "stdout", "x", kTime, out, true);
  p.FormatOwn("info", "started", kTime, out);
  EXPECT_EQ(out, std::string(kTime) + " a | x\n" + kTime + " tend: started\n");
}

TEST(Prefixer, JsonLinesAreEscapedObjects) {
  Prefixer p({"web"}, {true, true, false});  // no colour codes in JSON
  std::string out;
  p.Format(0, "stderr", "say \"hi\"\t\\ \x01", kTime, out, true);
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
  Prefixer({"a"}, {false, true, false}).Format(0, "stdout", "caf\xE9", kTime, out, true);
  EXPECT_NE(out.find("\"line\":\"caf\xEF\xBF\xBD\"}"), std::string::npos) << out;
  out.clear();
  Prefixer({"a"}, {}).Format(0, "stdout", "caf\xE9", kTime, out, true);
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

namespace logs {
namespace {

std::string Json(std::string_view line, bool whole = true) {
  std::string out;
  Prefixer({"web"}, {false, true, false}).Format(0, "stdout", line, kTime, out, whole);
  return out;
}

std::string Head() {
  return std::string("{\"time\":\"") + kTime + "\",\"service\":\"web\",\"stream\":\"stdout\"";
}

TEST(PrefixerMerge, AJsonObjectLineHasItsMembersMergedWithTendsFields) {
  EXPECT_EQ(Json(R"({"level":"info", "msg":"hi","n":[1, 2]})"),
            Head() + R"(,"level":"info","msg":"hi","n":[1,2]})" + "\n");
  EXPECT_EQ(Json("{}"), Head() + "}\n");
}

// tend's fields win, so no line passes for another service's or tend's
// own; the line's own are kept under "fields.".
TEST(PrefixerMerge, ClashingMembersAreKeptAsFieldsDotName) {
  EXPECT_EQ(Json(R"({"time":"09:00","service":"db","stream":"log","level":"warn"})"),
            Head() + R"(,"fields.time":"09:00","fields.service":"db","fields.stream":"log",)" +
                R"("level":"warn"})" + "\n");
  // Escaped to pass for another key: decoded first, so caught the same.
  EXPECT_EQ(Json(R"({"\u0073ervice":"tend"})"), Head() + R"(,"fields.service":"tend"})" + "\n");
  // A "fields.time" alone is no clash.
  EXPECT_EQ(Json(R"({"fields.time":1})"), Head() + R"(,"fields.time":1})" + "\n");
}

TEST(PrefixerMerge, WhenTheRenameIsTakenTheLineStaysAString) {
  std::string line = R"({"time":1,"fields.time":2})";
  EXPECT_EQ(Json(line), Head() + R"(,"line":"{\"time\":1,\"fields.time\":2}"})" + "\n");
}

TEST(PrefixerMerge, OtherLinesStayStrings) {
  for (std::string line : {"plain", "[1,2]", "{\"a\":1", "{\"a\":1,\"a\":2}", " {\"a\":1}",
                           "{\"a\":\"caf\xE9\"}", "{\"a\":1e999}"}) {
    std::string out = Json(line);
    EXPECT_EQ(out.rfind(Head() + ",\"line\":\"", 0), 0u) << out;
  }
  // A piece of an over-long line is never merged, whatever it looks like.
  EXPECT_EQ(Json(R"({"a":1})", false), Head() + R"(,"line":"{\"a\":1}"})" + "\n");
  // Nor is a line in plain format.
  std::string out;
  Prefixer({"web"}, {}).Format(0, "stdout", R"({"a":1})", kTime, out, true);
  EXPECT_EQ(out, "web | {\"a\":1}\n");
}

}  // namespace
}  // namespace logs
