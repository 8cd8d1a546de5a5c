#include "logs/syslog_line.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace logs {
namespace {

std::string Text(std::string_view datagram, std::string_view name, size_t whole = 0) {
  std::string out;
  AppendSyslogText(out, ParseSyslog(datagram), name, datagram.size(), whole);
  return out;
}

TEST(SyslogLine, TheTagIsShownWhereItIsNotTheName) {
  EXPECT_EQ(Text("<38>Jan  5 12:34:56 sshd[42]: Invalid user bob", "sshd"), "Invalid user bob");
  EXPECT_EQ(Text("<13>Jan  5 12:34:56 mytag: hello", "web"), "mytag: hello");
  EXPECT_EQ(Text("<13>hello without a tag", "web"), "hello without a tag");
}

TEST(SyslogLine, SeverityIsShownFromWarningOn) {
  EXPECT_EQ(Text("<12>app: careful", "app"), "warning: careful");  // user.warning
  EXPECT_EQ(Text("<11>app: broken", "app"), "err: broken");
  EXPECT_EQ(Text("<8>app: down", "web"), "app: emerg: down");
  EXPECT_EQ(Text("<13>app: fine", "app"), "fine");
  EXPECT_EQ(Text("<15>app: chatty", "app"), "chatty");
  // Said once: sshd's own "error: ", a script's "WARNING:".
  EXPECT_EQ(Text("<35>sshd[9]: error: kex_exchange_identification: closed", "sshd"),
            "error: kex_exchange_identification: closed");
  EXPECT_EQ(Text("<12>app: WARNING: low disk", "app"), "WARNING: low disk");
  EXPECT_EQ(Text("<12>app: warn: low disk", "app"), "warn: low disk");
  EXPECT_EQ(Text("<11>app: erratic", "app"), "err: erratic");  // only whole words
  EXPECT_EQ(Text("<10>app: fatal: out of memory", "app"), "fatal: out of memory");
  EXPECT_EQ(Text("<11>app: warning: but err", "app"), "err: warning: but err");
}

TEST(SyslogLine, ErrAndWorseGoToStderr) {
  EXPECT_TRUE(SyslogToStderr(ParseSyslog("<11>x: y")));
  EXPECT_TRUE(SyslogToStderr(ParseSyslog("<8>x: y")));
  EXPECT_FALSE(SyslogToStderr(ParseSyslog("<12>x: y")));
  EXPECT_FALSE(SyslogToStderr(ParseSyslog("no pri at all")));
}

TEST(SyslogLine, ControlBytesAndInvalidUtf8AreEscapedIntoOneLine) {
  EXPECT_EQ(Text("<13>a: one\ntwo\rthree\x01\x7f\tfour", "a"), "one\\ntwo\\rthree\\x01\\x7f\tfour");
  EXPECT_EQ(Text("<13>a: caf\xc3\xa9 \xff\xfe ok \xe2\x82", "a"),
            "caf\xc3\xa9 \\xff\\xfe ok \\xe2\\x82");
  EXPECT_EQ(Text(std::string_view("<13>a: nul\0inside", 17), "a"), "nul\\x00inside");
}

TEST(SyslogLine, ACutDatagramEndsOnACharacterAndSaysSo) {
  // "é" is two bytes; the datagram was cut after its first one.
  std::string kept = "<13>a: caf\xc3";
  EXPECT_EQ(Text(kept, "a", 20000), "caf [cut: 20000 bytes sent]");
  std::string json;
  AppendSyslogJson(json, "T", "a", ParseSyslog(kept), kept.size(), 20000);
  EXPECT_EQ(nlohmann::json::parse(json)["line"], "caf [cut: 20000 bytes sent]");
}

TEST(SyslogLine, JsonHasTheFieldsOfItsOwn) {
  std::string out;
  std::string_view d = "<86>Jan  5 12:34:56 sudo[77]: pam_unix: \xff session";
  AppendSyslogJson(out, "2026-11-30T00:00:00.000Z", "web", ParseSyslog(d), d.size(), 0);
  auto j = nlohmann::json::parse(out);  // valid JSON whatever the bytes
  EXPECT_EQ(j["service"], "web");
  EXPECT_EQ(j["stream"], "stdout");
  EXPECT_EQ(j["facility"], "authpriv");
  EXPECT_EQ(j["severity"], "info");
  EXPECT_EQ(j["tag"], "sudo");
  EXPECT_EQ(j["pid"], 77);
  EXPECT_EQ(j["line"], "pam_unix: \xef\xbf\xbd session");
  out.clear();
  AppendSyslogJson(out, "T", "x", ParseSyslog("<11>no tag here"), 15, 0);
  j = nlohmann::json::parse(out);
  EXPECT_EQ(j["stream"], "stderr");
  EXPECT_FALSE(j.contains("pid"));
}

}  // namespace
}  // namespace logs
