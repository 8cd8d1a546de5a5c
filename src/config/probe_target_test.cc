#include "config/probe_target.h"

#include <gtest/gtest.h>

namespace spec {
namespace {

ProbeTarget Tcp(std::string_view text) {
  ProbeTargetResult r = ParseTcpTarget(text);
  EXPECT_TRUE(r.target) << text << ": " << r.error;
  return r.target.value_or(ProbeTarget{});
}

ProbeTarget Http(std::string_view text) {
  ProbeTargetResult r = ParseHttpTarget(text);
  EXPECT_TRUE(r.target) << text << ": " << r.error;
  return r.target.value_or(ProbeTarget{});
}

void ExpectTcpError(std::string_view text, std::string_view part) {
  ProbeTargetResult r = ParseTcpTarget(text);
  EXPECT_FALSE(r.target) << text;
  EXPECT_NE(r.error.find(part), std::string::npos) << text << " gave: " << r.error;
}

void ExpectHttpError(std::string_view text, std::string_view part) {
  ProbeTargetResult r = ParseHttpTarget(text);
  EXPECT_FALSE(r.target) << text;
  EXPECT_NE(r.error.find(part), std::string::npos) << text << " gave: " << r.error;
}

TEST(ProbeTarget, TcpForms) {
  EXPECT_EQ(Tcp("127.0.0.1:5432"), (ProbeTarget{"127.0.0.1", 5432, "", ""}));
  EXPECT_EQ(Tcp(":5432"), (ProbeTarget{"127.0.0.1", 5432, "", ""}));
  EXPECT_EQ(Tcp("5432"), (ProbeTarget{"127.0.0.1", 5432, "", ""}));
  EXPECT_EQ(Tcp("localhost:5432"), (ProbeTarget{"127.0.0.1", 5432, "", ""}));
  EXPECT_EQ(Tcp("LocalHost:1"), (ProbeTarget{"127.0.0.1", 1, "", ""}));
  EXPECT_EQ(Tcp("[::1]:5432"), (ProbeTarget{"::1", 5432, "", ""}));
  EXPECT_EQ(Tcp("10.1.2.3:65535"), (ProbeTarget{"10.1.2.3", 65535, "", ""}));
}

TEST(ProbeTarget, AddressesAreCanonical) {
  EXPECT_EQ(Tcp("[0:0::0001]:80"), Tcp("[::1]:80"));
  EXPECT_EQ(Tcp("[FE80::A]:80").host, "fe80::a");
}

TEST(ProbeTarget, TcpErrorsSayWhatToWrite) {
  ExpectTcpError("", "127.0.0.1:5432");
  ExpectTcpError("db.internal:5432", "static binary without DNS");
  ExpectTcpError("db.internal:5432", "use an IP address");
  ExpectTcpError("localhost", "missing port");
  ExpectTcpError("127.0.0.1", "missing port");
  ExpectTcpError("127.0.0.1:", "missing port");
  ExpectTcpError("127.0.0.1:0", "port must be a number from 1 to 65535, got '0'");
  ExpectTcpError("127.0.0.1:65536", "1 to 65535");
  ExpectTcpError("127.0.0.1:123456", "1 to 65535");
  ExpectTcpError("127.0.0.1:54x", "got '54x'");
  ExpectTcpError("::1:5432", "IPv6 addresses need brackets");
  ExpectTcpError("[::1:5432", "missing ']'");
  ExpectTcpError("[::1]5432", "expected ':PORT' after ']'");
  ExpectTcpError("[127.0.0.1]:80", "not an IPv6 address");
  ExpectTcpError("[fe80::1%eth0]:80", "zone ids");
  ExpectTcpError("http://127.0.0.1:80", "without a scheme");
  ExpectTcpError("999999", "1 to 65535");
}

TEST(ProbeTarget, HttpForms) {
  EXPECT_EQ(Http("http://127.0.0.1:8080/healthz"),
            (ProbeTarget{"127.0.0.1", 8080, "127.0.0.1:8080", "/healthz"}));
  EXPECT_EQ(Http("http://localhost:8080/"),
            (ProbeTarget{"127.0.0.1", 8080, "localhost:8080", "/"}));
  EXPECT_EQ(Http("http://[::1]:8080/x?y=1"), (ProbeTarget{"::1", 8080, "[::1]:8080", "/x?y=1"}));
  EXPECT_EQ(Http("http://127.0.0.1/"), (ProbeTarget{"127.0.0.1", 80, "127.0.0.1", "/"}));
  EXPECT_EQ(Http(":8080/healthz"), (ProbeTarget{"127.0.0.1", 8080, "127.0.0.1:8080", "/healthz"}));
}

TEST(ProbeTarget, HttpPathDefaultsAndFragments) {
  EXPECT_EQ(Http("http://127.0.0.1:8080").path, "/");
  EXPECT_EQ(Http(":8080").path, "/");
  EXPECT_EQ(Http("http://127.0.0.1:8080?ready").path, "/?ready");
  EXPECT_EQ(Http("http://127.0.0.1:8080/a#frag").path, "/a");
  EXPECT_EQ(Http("HTTP://LOCALHOST/").host_header, "localhost");
  EXPECT_EQ(Http("http://[::1]/").host_header, "[::1]");
  EXPECT_EQ(Http(":8080/go?to=http://x").path, "/go?to=http://x");
  EXPECT_EQ(Http("http://127.0.0.1/go?to=https://x").path, "/go?to=https://x");
}

TEST(ProbeTarget, HttpErrorsSayWhatToWrite) {
  ExpectHttpError("https://127.0.0.1/", "no TLS");
  ExpectHttpError("ftp://127.0.0.1/", "expected http://HOST[:PORT]/PATH");
  ExpectHttpError("127.0.0.1:8080/healthz", "expected http://HOST[:PORT]/PATH");
  ExpectHttpError("", "expected http://");
  ExpectHttpError("http:///healthz", "missing host");
  ExpectHttpError("http://example.com/", "static binary without DNS");
  ExpectHttpError("http://user@127.0.0.1/", "user info");
  ExpectHttpError("http://127.0.0.1:80a/", "got '80a'");
  ExpectHttpError(":/healthz", "missing port");
  ExpectHttpError("http://127.0.0.1/a b", "%20");
  ExpectHttpError("http://127.0.0.1/a\r\nX: y", "control");
}

TEST(ProbeTarget, DescribeNamesTheProbedAddress) {
  EXPECT_EQ(Tcp("5432").Describe(), "127.0.0.1:5432");
  EXPECT_EQ(Tcp("[::1]:5432").Describe(), "[::1]:5432");
  EXPECT_EQ(Http("http://localhost/x?y").Describe(), "http://127.0.0.1:80/x?y");
  EXPECT_FALSE(Tcp("5432").IsHttp());
  EXPECT_TRUE(Http(":80").IsHttp());
}

TEST(ProbeTarget, DescribeParsesBackToTheSameTarget) {
  for (const char* text : {"5432", "[::1]:1", "10.0.0.1:99"}) {
    ProbeTarget t = Tcp(text);
    EXPECT_EQ(Tcp(t.Describe()), t) << text;
  }
  ProbeTarget h = Http("http://127.0.0.1:8080/x?y=1");
  EXPECT_EQ(Http(h.Describe()), h);
}

}  // namespace
}  // namespace spec
