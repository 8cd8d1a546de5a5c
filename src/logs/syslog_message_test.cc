#include "logs/syslog_message.h"

#include <gtest/gtest.h>

#include <string>

namespace logs {
namespace {

using namespace std::string_view_literals;  // "a\0b"sv keeps its NUL

// Every view the parser returns lies inside what it was given.
bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

bool AllInside(const SyslogMessage& m, std::string_view in) {
  return Inside(m.timestamp, in) && Inside(m.hostname, in) && Inside(m.tag, in) &&
         Inside(m.message, in);
}

// --- syslog(3) as glibc and musl write it, and logger to /dev/log ---

TEST(SyslogMessage, GlibcWithTimestampTagAndPid) {
  std::string_view in = "<38>Jan  5 12:34:56 sshd[4242]: Accepted publickey for root";
  SyslogMessage m = ParseSyslog(in);
  EXPECT_EQ(m.format, SyslogFormat::kBsd);
  EXPECT_EQ(m.facility, 4);  // auth
  EXPECT_EQ(m.severity, Severity::kInfo);
  EXPECT_EQ(m.timestamp, "Jan  5 12:34:56");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.tag, "sshd");
  EXPECT_EQ(m.pid, 4242);
  EXPECT_EQ(m.message, "Accepted publickey for root");
  EXPECT_TRUE(AllInside(m, in));
}

TEST(SyslogMessage, GlibcWithoutPid) {
  SyslogMessage m =
      ParseSyslog("<78>Dec 31 23:59:59 CRON: (root) CMD (run-parts /etc/cron.hourly)");
  EXPECT_EQ(m.facility, 9);  // cron
  EXPECT_EQ(m.severity, Severity::kInfo);
  EXPECT_EQ(m.timestamp, "Dec 31 23:59:59");
  EXPECT_EQ(m.tag, "CRON");
  EXPECT_EQ(m.pid, std::nullopt);
  EXPECT_EQ(m.message, "(root) CMD (run-parts /etc/cron.hourly)");
}

TEST(SyslogMessage, DayPaddedWithZeroOrNotAtAll) {
  SyslogMessage zero = ParseSyslog("<13>Feb 05 01:02:03 app: hi");
  EXPECT_EQ(zero.timestamp, "Feb 05 01:02:03");
  EXPECT_EQ(zero.tag, "app");
  EXPECT_EQ(zero.message, "hi");
  SyslogMessage bare = ParseSyslog("<13>Feb 5 01:02:03 app: hi");
  EXPECT_EQ(bare.timestamp, "Feb 5 01:02:03");
  EXPECT_EQ(bare.tag, "app");
  EXPECT_EQ(bare.message, "hi");
}

TEST(SyslogMessage, WithoutTimestamp) {
  SyslogMessage m = ParseSyslog("<14>myprog[42]: hello");
  EXPECT_EQ(m.format, SyslogFormat::kBsd);
  EXPECT_EQ(m.timestamp, "");
  EXPECT_EQ(m.tag, "myprog");
  EXPECT_EQ(m.pid, 42);
  EXPECT_EQ(m.message, "hello");
  SyslogMessage no_pid = ParseSyslog("<14>myprog: hello");
  EXPECT_EQ(no_pid.tag, "myprog");
  EXPECT_EQ(no_pid.pid, std::nullopt);
  EXPECT_EQ(no_pid.message, "hello");
}

TEST(SyslogMessage, WithoutTag) {
  SyslogMessage m = ParseSyslog("<13>Jan  5 12:34:56 just some text");
  EXPECT_EQ(m.timestamp, "Jan  5 12:34:56");
  EXPECT_EQ(m.hostname, "");  // "just" is no hostname: no tag follows it
  EXPECT_EQ(m.tag, "");
  EXPECT_EQ(m.message, "just some text");
  SyslogMessage bare = ParseSyslog("<13>just some text");
  EXPECT_EQ(bare.format, SyslogFormat::kBsd);
  EXPECT_EQ(bare.tag, "");
  EXPECT_EQ(bare.message, "just some text");
}

TEST(SyslogMessage, TagsAsProgramsNameThemselves) {
  SyslogMessage postfix = ParseSyslog("<22>Mar  1 00:00:00 postfix/smtpd[1234]: connect from x");
  EXPECT_EQ(postfix.facility, 2);  // mail
  EXPECT_EQ(postfix.tag, "postfix/smtpd");
  EXPECT_EQ(postfix.pid, 1234);
  EXPECT_EQ(postfix.message, "connect from x");
  SyslogMessage dotted = ParseSyslog("<13>systemd-logind.service[7]: x");
  EXPECT_EQ(dotted.tag, "systemd-logind.service");
}

TEST(SyslogMessage, OnlyOneSpaceAfterTheTagIsTheSeparator) {
  EXPECT_EQ(ParseSyslog("<13>app:   indented").message, "  indented");
  EXPECT_EQ(ParseSyslog("<13>app:").message, "");
  EXPECT_EQ(ParseSyslog("<13>app: ").message, "");
  EXPECT_EQ(ParseSyslog("<13>app:").tag, "app");
  EXPECT_EQ(ParseSyslog("<13>Jan  5 12:34:56").timestamp, "Jan  5 12:34:56");
  EXPECT_EQ(ParseSyslog("<13>Jan  5 12:34:56").message, "");
}

TEST(SyslogMessage, APidThatIsNoNumberIsDropped) {
  for (std::string_view in : {"<13>app[abc]: m", "<13>app[]: m", "<13>app[0]: m", "<13>app[-1]: m",
                              "<13>app[+5]: m", "<13>app[9999999999]: m", "<13>app[1 2]: m"}) {
    SyslogMessage m = ParseSyslog(in);
    EXPECT_EQ(m.pid, std::nullopt) << in;
    if (in != "<13>app[1 2]: m") {
      EXPECT_EQ(m.tag, "app") << in;
      EXPECT_EQ(m.message, "m") << in;
    }
  }
  EXPECT_EQ(ParseSyslog("<13>app[999999999]: m").pid, 999999999);
  EXPECT_EQ(ParseSyslog("<13>app[007]: m").pid, 7);
}

TEST(SyslogMessage, WhatCannotBeATagStaysInTheMessage) {
  for (std::string_view in : {"<13>: m", "<13>[1]: m", "<13>a]: m", "<13>a[b[1]: m", "<13>a[1]x: m",
                              "<13>a\tb: m", "<13>caf\xC3\xA9: m", "<13>a: m"}) {
    SyslogMessage m = ParseSyslog(in);
    if (in == "<13>a: m") {
      EXPECT_EQ(m.tag, "a");
      continue;
    }
    EXPECT_EQ(m.tag, "") << in;
    EXPECT_EQ(m.message, in.substr(4)) << in;
  }
  std::string long_tag = "<13>" + std::string(65, 'a') + ": m";
  EXPECT_EQ(ParseSyslog(long_tag).tag, "");
  EXPECT_EQ(ParseSyslog(long_tag).message, std::string_view(long_tag).substr(4));
  std::string max_tag = "<13>" + std::string(64, 'a') + ": m";
  EXPECT_EQ(ParseSyslog(max_tag).tag.size(), 64u);
}

TEST(SyslogMessage, OtherLibrariesThatWriteToDevLog) {
  // Python's logging.handlers.SysLogHandler: no header, a NUL at the end.
  SyslogMessage python = ParseSyslog("<11>something broke\0"sv);
  EXPECT_EQ(python.format, SyslogFormat::kBsd);
  EXPECT_EQ(python.severity, Severity::kErr);
  EXPECT_EQ(python.tag, "");
  EXPECT_EQ(python.message, "something broke");
  EXPECT_EQ(ParseSyslog("<14>myapp: started\0"sv).tag, "myapp");
  // Go's log/syslog (time.Stamp pads the day with a space, as %e does).
  SyslogMessage go = ParseSyslog("<30>Jan  2 15:04:05 server[31]: listening\n");
  EXPECT_EQ(go.tag, "server");
  EXPECT_EQ(go.pid, 31);
  EXPECT_EQ(go.message, "listening");
  // nginx's error_log syslog: RFC 3164 with the hostname.
  SyslogMessage nginx = ParseSyslog("<187>Nov  5 10:00:00 web nginx: [error] 7#7: open() failed");
  EXPECT_EQ(nginx.facility, 23);
  EXPECT_EQ(nginx.severity, Severity::kErr);
  EXPECT_EQ(nginx.hostname, "web");
  EXPECT_EQ(nginx.tag, "nginx");
  EXPECT_EQ(nginx.message, "[error] 7#7: open() failed");
}

// --- RFC 3164 ---

TEST(SyslogMessage, Rfc3164WithHostname) {
  // RFC 3164 5.4, example 1.
  std::string_view in =
      "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8";
  SyslogMessage m = ParseSyslog(in);
  EXPECT_EQ(m.format, SyslogFormat::kBsd);
  EXPECT_EQ(m.facility, 4);
  EXPECT_EQ(m.severity, Severity::kCrit);
  EXPECT_EQ(m.timestamp, "Oct 11 22:14:15");
  EXPECT_EQ(m.hostname, "mymachine");
  EXPECT_EQ(m.tag, "su");
  EXPECT_EQ(m.pid, std::nullopt);
  EXPECT_EQ(m.message, "'su root' failed for lonvick on /dev/pts/8");
  EXPECT_TRUE(AllInside(m, in));
}

TEST(SyslogMessage, Rfc3164HostnameWithPidAndAddresses) {
  SyslogMessage m = ParseSyslog("<86>Oct  1 02:03:04 web-1.example.com sshd[77]: Failed password");
  EXPECT_EQ(m.facility, 10);  // authpriv
  EXPECT_EQ(m.severity, Severity::kInfo);
  EXPECT_EQ(m.hostname, "web-1.example.com");
  EXPECT_EQ(m.tag, "sshd");
  EXPECT_EQ(m.pid, 77);
  EXPECT_EQ(m.message, "Failed password");
  EXPECT_EQ(ParseSyslog("<13>Oct  1 02:03:04 192.0.2.1 app: x").hostname, "192.0.2.1");
  EXPECT_EQ(ParseSyslog("<13>Oct  1 02:03:04 fe80::1 app: x").hostname, "fe80::1");
}

TEST(SyslogMessage, NoHostnameWithoutATimestamp) {
  // Without RFC 3164's header, "host" is the message's first word.
  SyslogMessage m = ParseSyslog("<13>host app: msg");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.tag, "");
  EXPECT_EQ(m.message, "host app: msg");
}

TEST(SyslogMessage, Rfc3339TimestampInTheBsdForm) {
  // rsyslog's RSYSLOG_ForwardFormat.
  SyslogMessage m =
      ParseSyslog("<30>2024-01-05T12:34:56.123456+01:00 box dockerd[9]: started container");
  EXPECT_EQ(m.format, SyslogFormat::kBsd);
  EXPECT_EQ(m.facility, 3);  // daemon
  EXPECT_EQ(m.timestamp, "2024-01-05T12:34:56.123456+01:00");
  EXPECT_EQ(m.hostname, "box");
  EXPECT_EQ(m.tag, "dockerd");
  EXPECT_EQ(m.pid, 9);
  EXPECT_EQ(m.message, "started container");
}

// --- RFC 5424 ---

TEST(SyslogMessage, Rfc5424ExampleWithBom) {
  // RFC 5424 6.5, example 1.
  std::string_view in =
      "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
      "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8";
  SyslogMessage m = ParseSyslog(in);
  EXPECT_EQ(m.format, SyslogFormat::kRfc5424);
  EXPECT_EQ(m.facility, 4);
  EXPECT_EQ(m.severity, Severity::kCrit);
  EXPECT_EQ(m.timestamp, "2003-10-11T22:14:15.003Z");
  EXPECT_EQ(m.hostname, "mymachine.example.com");
  EXPECT_EQ(m.tag, "su");
  EXPECT_EQ(m.pid, std::nullopt);
  EXPECT_EQ(m.message, "'su root' failed for lonvick on /dev/pts/8");
  EXPECT_TRUE(AllInside(m, in));
}

TEST(SyslogMessage, Rfc5424ExampleWithProcid) {
  // RFC 5424 6.5, example 2.
  SyslogMessage m = ParseSyslog(
      "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make "
      "the do-nuts.");
  EXPECT_EQ(m.format, SyslogFormat::kRfc5424);
  EXPECT_EQ(m.facility, 20);  // local4
  EXPECT_EQ(m.severity, Severity::kNotice);
  EXPECT_EQ(m.timestamp, "2003-08-24T05:14:15.000003-07:00");
  EXPECT_EQ(m.hostname, "192.0.2.1");
  EXPECT_EQ(m.tag, "myproc");
  EXPECT_EQ(m.pid, 8710);
  EXPECT_EQ(m.message, "%% It's time to make the do-nuts.");
}

TEST(SyslogMessage, Rfc5424StructuredDataIsSkipped) {
  // RFC 5424 6.5, examples 3 and 4.
  SyslogMessage one = ParseSyslog(
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
      "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \xEF\xBB\xBF"
      "An application event log entry...");
  EXPECT_EQ(one.format, SyslogFormat::kRfc5424);
  EXPECT_EQ(one.tag, "evntslog");
  EXPECT_EQ(one.message, "An application event log entry...");
  SyslogMessage two = ParseSyslog(
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
      "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 "
      "class=\"high\"]");
  EXPECT_EQ(two.format, SyslogFormat::kRfc5424);
  EXPECT_EQ(two.message, "");
}

TEST(SyslogMessage, Rfc5424EscapesInsideParamValues) {
  // '\]', '\"' and '\\' are escapes (RFC 5424 6.3.3); an unescaped ']' in
  // quotes, which some senders write, is part of the value too.
  SyslogMessage m =
      ParseSyslog(R"(<13>1 - - app - - [a@1 x="q\]r" y="s\"]t" z="u\\"][b@1 w="]"] the message)");
  EXPECT_EQ(m.format, SyslogFormat::kRfc5424);
  EXPECT_EQ(m.tag, "app");
  EXPECT_EQ(m.message, "the message");
}

TEST(SyslogMessage, Rfc5424FromLogger) {
  // util-linux logger --rfc5424 -t root -i to /dev/log.
  SyslogMessage m = ParseSyslog(
      "<13>1 2024-01-05T12:34:56.123456+01:00 myhost root 4242 - [timeQuality tzKnown=\"1\" "
      "isSynced=\"1\" syncAccuracy=\"218500\"] hello world\n");
  EXPECT_EQ(m.format, SyslogFormat::kRfc5424);
  EXPECT_EQ(m.hostname, "myhost");
  EXPECT_EQ(m.tag, "root");
  EXPECT_EQ(m.pid, 4242);
  EXPECT_EQ(m.message, "hello world");
}

TEST(SyslogMessage, Rfc5424NilValues) {
  SyslogMessage m = ParseSyslog("<13>1 - - - - - -");
  EXPECT_EQ(m.format, SyslogFormat::kRfc5424);
  EXPECT_EQ(m.timestamp, "");
  EXPECT_EQ(m.hostname, "");
  EXPECT_EQ(m.tag, "");
  EXPECT_EQ(m.pid, std::nullopt);
  EXPECT_EQ(m.message, "");
  EXPECT_EQ(ParseSyslog("<13>1 - - - - - - msg").message, "msg");
  EXPECT_EQ(ParseSyslog("<13>1 - - - - -").format, SyslogFormat::kRfc5424);  // SD cut off
  EXPECT_EQ(ParseSyslog("<13>1 - - - - -").message, "");
}

TEST(SyslogMessage, Rfc5424ProcidThatIsNoNumber) {
  SyslogMessage m = ParseSyslog("<13>1 - host app worker-3 - - m");
  EXPECT_EQ(m.tag, "app");
  EXPECT_EQ(m.pid, std::nullopt);
  EXPECT_EQ(m.message, "m");
}

TEST(SyslogMessage, Rfc5424BadStructuredDataStaysInTheMessage) {
  // Not closed, followed by no space, or missing: the header still counts.
  SyslogMessage open = ParseSyslog(R"(<13>1 - host app - - [x y="z] msg)");
  EXPECT_EQ(open.format, SyslogFormat::kRfc5424);
  EXPECT_EQ(open.tag, "app");
  EXPECT_EQ(open.message, R"([x y="z] msg)");
  EXPECT_EQ(ParseSyslog("<13>1 - host app - - [x]y msg").message, "[x]y msg");
  EXPECT_EQ(ParseSyslog("<13>1 - host app - - -x msg").message, "-x msg");
  EXPECT_EQ(ParseSyslog("<13>1 - host app 12 - hello").message, "hello");
  EXPECT_EQ(ParseSyslog("<13>1 - host app 12 - hello").pid, 12);
  EXPECT_EQ(ParseSyslog(R"(<13>1 - h a - - [x y="\)").message, R"([x y="\)");
}

TEST(SyslogMessage, IncompleteRfc5424HeaderIsReadAsBsd) {
  for (std::string_view in :
       {"<13>1 2024-01-05T12:34:56Z host", "<13>1 ", "<13>1", "<13>1 - host  app - - - m",
        "<13>1 yesterday host app - - - m", "<13>1 2024-01-05 host app - - - m",
        "<13>1 2024-01-05T12:34:56 host app - - - m", "<13>1 2024-01-05T12:34:56.Z h a - - - m",
        "<13>2 - host app - - - m", "<13>1 - h\xC3\xA9 app - - - m"}) {
    SyslogMessage m = ParseSyslog(in);
    EXPECT_EQ(m.format, SyslogFormat::kBsd) << in;
    EXPECT_EQ(m.message, in.substr(4)) << in;
    EXPECT_EQ(m.facility, 1) << in;
    EXPECT_EQ(m.severity, Severity::kNotice) << in;
  }
}

TEST(SyslogMessage, Rfc5424LimitsOnHostnameAndAppName) {
  std::string long_app = "<13>1 - h " + std::string(65, 'a') + " - - - m";
  EXPECT_EQ(ParseSyslog(long_app).format, SyslogFormat::kBsd);
  std::string long_host = "<13>1 - " + std::string(256, 'h') + " a - - - m";
  EXPECT_EQ(ParseSyslog(long_host).format, SyslogFormat::kBsd);
  std::string max_host = "<13>1 - " + std::string(255, 'h') + " a - - - m";
  EXPECT_EQ(ParseSyslog(max_host).hostname.size(), 255u);
}

// --- PRI ---

TEST(SyslogMessage, PriGivesFacilityAndSeverity) {
  EXPECT_EQ(ParseSyslog("<0>x").facility, 0);
  EXPECT_EQ(ParseSyslog("<0>x").severity, Severity::kEmerg);
  EXPECT_EQ(ParseSyslog("<191>x").facility, 23);
  EXPECT_EQ(ParseSyslog("<191>x").severity, Severity::kDebug);
  EXPECT_EQ(ParseSyslog("<11>x").severity, Severity::kErr);
  EXPECT_EQ(ParseSyslog("<012>x").severity, Severity::kWarning);  // leading zero, as rsyslog
  EXPECT_EQ(ParseSyslog("<12>x").message, "x");
}

TEST(SyslogMessage, NoValidPriMeansTheWholeDatagramIsTheMessage) {
  for (std::string_view in : {"hello", "<>x", "<abc>x", "<192>x", "<999>x", "<1234>x", "<13", "<",
                              "13>x", " <13>x", "<-1>x", "<1 3>x", "<13]x"}) {
    SyslogMessage m = ParseSyslog(in);
    EXPECT_EQ(m.format, SyslogFormat::kRaw) << in;
    EXPECT_EQ(m.facility, 1) << in;  // user.notice, RFC 3164 4.3.3
    EXPECT_EQ(m.severity, Severity::kNotice) << in;
    EXPECT_EQ(m.message, in) << in;
    EXPECT_EQ(m.tag, "") << in;
    EXPECT_EQ(m.timestamp, "") << in;
    EXPECT_EQ(m.pid, std::nullopt) << in;
  }
  EXPECT_EQ(ParseSyslog("app: no pri").tag, "");  // a tag needs a PRI before it
  EXPECT_EQ(ParseSyslog(""), SyslogMessage{});
}

// --- malformed input ---

TEST(SyslogMessage, TrailingNewlinesAndNulsAreTrimmed) {
  EXPECT_EQ(ParseSyslog("<13>app: m\n").message, "m");
  EXPECT_EQ(ParseSyslog("<13>app: m\r\n").message, "m");
  EXPECT_EQ(ParseSyslog("<13>app: m\0"sv).message, "m");
  EXPECT_EQ(ParseSyslog("<13>app: m\n\0\0\n"sv).message, "m");
  EXPECT_EQ(ParseSyslog("plain\n").message, "plain");
  EXPECT_EQ(ParseSyslog("\n\0"sv).message, "");
  // Only at the end: a multi-line message keeps its inner newlines.
  EXPECT_EQ(ParseSyslog("<13>app: a\nb\n").message, "a\nb");
  EXPECT_EQ(ParseSyslog("<13>app: m \n").message, "m ");
}

TEST(SyslogMessage, NulBytesInside) {
  SyslogMessage m = ParseSyslog("<13>app[1]: a\0b"sv);
  EXPECT_EQ(m.tag, "app");
  EXPECT_EQ(m.message, "a\0b"sv);
  SyslogMessage in_tag = ParseSyslog("<13>ap\0p: m"sv);
  EXPECT_EQ(in_tag.tag, "");
  EXPECT_EQ(in_tag.message, "ap\0p: m"sv);
  SyslogMessage in_pri = ParseSyslog("<1\0>m"sv);
  EXPECT_EQ(in_pri.format, SyslogFormat::kRaw);
  EXPECT_EQ(in_pri.message, "<1\0>m"sv);
  SyslogMessage in_stamp = ParseSyslog("<13>Jan  5 12:3\0:56 app: m"sv);
  EXPECT_EQ(in_stamp.timestamp, "");
  EXPECT_EQ(in_stamp.message, "Jan  5 12:3\0:56 app: m"sv);
  SyslogMessage in_5424 = ParseSyslog("<13>1 - h\0 a - - - m"sv);
  EXPECT_EQ(in_5424.format, SyslogFormat::kBsd);
}

TEST(SyslogMessage, InvalidUtf8IsKeptForThePrinterToEscape) {
  SyslogMessage m = ParseSyslog("<13>app: caf\xE9 \xFF\xFE");
  EXPECT_EQ(m.tag, "app");
  EXPECT_EQ(m.message, "caf\xE9 \xFF\xFE");
  EXPECT_EQ(ParseSyslog("<13>a\xFFp: m").tag, "");
  EXPECT_EQ(ParseSyslog("\xFF\xFE").message, "\xFF\xFE");
  EXPECT_EQ(ParseSyslog("<13>Oct  1 02:03:04 h\xFF app: x").hostname, "");
}

TEST(SyslogMessage, TruncatedTimestamps) {
  for (std::string_view in :
       {"<13>Jan", "<13>Jan ", "<13>Jan  5", "<13>Jan  5 12:3", "<13>Jan  5 12:34:5",
        "<13>Jan 123 12:34:56 app: m", "<13>Jan  5 12:34:56x app: m", "<13>Foo  5 12:34:56 a: m",
        "<13>jan  5 12:34:56 a: m", "<13>Jan   5 12:34:56 a: m",
        "<13>2024-01-05T12:34:56Zx a: m"}) {
    SyslogMessage m = ParseSyslog(in);
    EXPECT_EQ(m.format, SyslogFormat::kBsd) << in;
    EXPECT_EQ(m.timestamp, "") << in;
    EXPECT_EQ(m.message, in.substr(4)) << in;
  }
}

TEST(SyslogMessage, EveryPrefixParses) {
  // Whatever a cut leaves, the parse gives views into it and loses nothing
  // that is not header.
  for (std::string_view full :
       {"<38>Jan  5 12:34:56 sshd[4242]: Accepted publickey for root",
        "<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
        R"(<165>1 2003-10-11T22:14:15.003Z host evntslog 12 ID47 [a@1 x="\]" y="2"] msg)"}) {
    for (size_t n = 0; n <= full.size(); ++n) {
      std::string copy(full.substr(0, n));  // its own buffer, so overreads show under ASan
      SyslogMessage m = ParseSyslog(copy);
      EXPECT_TRUE(AllInside(m, copy)) << copy;
      EXPECT_LE(m.message.size(), copy.size()) << copy;
    }
  }
}

TEST(SyslogMessage, PathologicalInputsTakeLinearWork) {
  // Each would cost quadratic time or deep recursion in a careless parser;
  // 4 MiB of them must parse at once.
  const size_t n = size_t{4} << 20;
  std::string brackets = "<13>1 - - - - - " + std::string(n, '[');
  EXPECT_EQ(ParseSyslog(brackets).message.size(), n);
  std::string escapes = "<13>1 - - - - - [a x=\"" + std::string(n, '\\');
  EXPECT_EQ(ParseSyslog(escapes).format, SyslogFormat::kRfc5424);
  std::string elements;
  for (size_t i = 0; i < n / 4; ++i) elements += "[a]";
  EXPECT_EQ(ParseSyslog("<13>1 - - - - - " + elements + " m").message, "m");
  std::string spaces = "<13>Jan  5 12:34:56 " + std::string(n, ' ');
  EXPECT_EQ(ParseSyslog(spaces).message.size(), n);  // the first space separates
  std::string colons = "<13>Jan  5 12:34:56 h " + std::string(n, ':');
  EXPECT_EQ(ParseSyslog(colons).tag, "");
  std::string nuls(n, '\0');
  EXPECT_EQ(ParseSyslog(nuls).message, "");
}

// --- names ---

TEST(SyslogMessage, SeverityNames) {
  const char* names[] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(SeverityName(static_cast<Severity>(i)), names[i]);
    EXPECT_EQ(SeverityName(ParseSyslog("<" + std::to_string(i) + ">m").severity), names[i]);
  }
}

TEST(SyslogMessage, FacilityNames) {
  EXPECT_EQ(FacilityName(0), "kern");
  EXPECT_EQ(FacilityName(1), "user");
  EXPECT_EQ(FacilityName(3), "daemon");
  EXPECT_EQ(FacilityName(4), "auth");
  EXPECT_EQ(FacilityName(9), "cron");
  EXPECT_EQ(FacilityName(10), "authpriv");
  EXPECT_EQ(FacilityName(16), "local0");
  EXPECT_EQ(FacilityName(23), "local7");
  EXPECT_EQ(FacilityName(24), "");
  EXPECT_EQ(FacilityName(-1), "");
  for (int f = 0; f < 24; ++f) EXPECT_NE(FacilityName(f), "") << f;
}

}  // namespace
}  // namespace logs
