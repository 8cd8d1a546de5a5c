#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace http {
namespace {

using State = RequestParser::State;

RequestParser Parse(std::string_view text, ParseLimits limits = {}) {
  RequestParser p(limits);
  p.Feed(text);
  return p;
}

int ErrorOf(std::string_view text, ParseLimits limits = {}) {
  RequestParser p = Parse(text, limits);
  EXPECT_EQ(p.state(), State::kError) << text;
  return p.error_status();
}

TEST(HttpRequestParser, ParsesAProbe) {
  RequestParser p = Parse(
      "GET /healthz?verbose=1&x HTTP/1.1\r\nHost: 10.0.0.5:9001\r\n"
      "User-Agent:kube-probe/1.29  \r\n\r\n");
  ASSERT_EQ(p.state(), State::kDone) << p.error();
  const Request& r = p.request();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/healthz");
  EXPECT_EQ(r.query, "verbose=1&x");
  EXPECT_EQ(r.minor_version, 1);
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.Header("user-agent"), "kube-probe/1.29");
  EXPECT_EQ(r.Header("HOST"), "10.0.0.5:9001");
  EXPECT_FALSE(r.Header("accept"));
  EXPECT_FALSE(r.body_indicated);
}

TEST(HttpRequestParser, NeedsMoreUntilTheBlankLineInAnySplit) {
  std::string text = "HEAD /readyz HTTP/1.0\r\nAccept: */*\r\n\r\n";
  for (size_t cut = 0; cut < text.size(); ++cut) {
    RequestParser p;
    EXPECT_EQ(p.Feed(text.substr(0, cut)), State::kNeedMore) << cut;
    EXPECT_EQ(p.Feed(text.substr(cut)), State::kDone) << cut;
    EXPECT_EQ(p.request().path, "/readyz");
    EXPECT_EQ(p.request().minor_version, 0);
    EXPECT_EQ(p.head_size(), text.size());
  }
}

TEST(HttpRequestParser, ToleratesBareLfAndLeadingBlankLines) {
  RequestParser p = Parse("\r\n\nGET / HTTP/1.1\nHost: x\n\n");
  ASSERT_EQ(p.state(), State::kDone) << p.error();
  EXPECT_EQ(p.request().path, "/");
  EXPECT_EQ(p.request().Header("host"), "x");
}

TEST(HttpRequestParser, IgnoresWhatFollowsTheHead) {
  RequestParser p;
  EXPECT_EQ(p.Feed("GET / HTTP/1.1\r\n\r\nbody bytes \x01\x02"), State::kDone);
  EXPECT_EQ(p.head_size(), 18u);
  EXPECT_EQ(p.Feed("more garbage\r\n\r\n"), State::kDone);
}

TEST(HttpRequestParser, AcceptsAbsoluteAndAsteriskForms) {
  RequestParser p = Parse("GET http://localhost:9001/metrics?a=b HTTP/1.1\r\n\r\n");
  ASSERT_EQ(p.state(), State::kDone) << p.error();
  EXPECT_EQ(p.request().path, "/metrics");
  EXPECT_EQ(p.request().query, "a=b");
  p = Parse("GET http://localhost:9001 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(p.request().path, "/");
  p = Parse("GET http://h?q HTTP/1.1\r\n\r\n");
  EXPECT_EQ(p.request().path, "/");
  EXPECT_EQ(p.request().query, "q");
  p = Parse("OPTIONS * HTTP/1.1\r\n\r\n");
  EXPECT_EQ(p.request().path, "*");
  EXPECT_EQ(ErrorOf("GET * HTTP/1.1\r\n\r\n"), 400);
}

TEST(HttpRequestParser, NotesABodyAndChecksContentLength) {
  EXPECT_TRUE(Parse("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n").request().body_indicated);
  EXPECT_TRUE(
      Parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").request().body_indicated);
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nContent-Length: 00\r\n\r\n").request().body_indicated);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(ErrorOf("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), 400);
}

TEST(HttpRequestParser, RefusesMalformedRequestLines) {
  for (std::string_view bad : {
           "GET /a b HTTP/1.1\r\n\r\n",       // a space in the target
           "GET  / HTTP/1.1\r\n\r\n",         // two spaces
           " GET / HTTP/1.1\r\n\r\n",         // leading space
           "GET / HTTP/1.1 \r\n\r\n",         // trailing space
           "GET /\r\n\r\n",                   // HTTP/0.9
           "GET\t/ HTTP/1.1\r\n\r\n",         // a tab is not a separator
           "G(T / HTTP/1.1\r\n\r\n",          // not a token
           "GET /\x01 HTTP/1.1\r\n\r\n",      // control in the target
           "GET /\xc3\xa9 HTTP/1.1\r\n\r\n",  // raw UTF-8 in the target
           "GET /#frag HTTP/1.1\r\n\r\n",     // fragments are never sent
           "GET index.html HTTP/1.1\r\n\r\n", "GET / http/1.1\r\n\r\n", "GET / HTTP/1.10\r\n\r\n",
           "GET / HTTP/1\r\n\r\n",
           "GET /\rx HTTP/1.1\r\n\r\n",  // bare CR
       }) {
    EXPECT_EQ(ErrorOf(bad), 400) << bad;
  }
}

TEST(HttpRequestParser, RefusesGarbageBeforeTheLineEnds) {
  RequestParser p;
  EXPECT_EQ(p.Feed("\x16\x03\x01\x02\x00"), State::kError);  // a TLS ClientHello
  EXPECT_EQ(p.error_status(), 400);
}

TEST(HttpRequestParser, RefusesMalformedHeaders) {
  for (std::string_view bad : {
           "GET / HTTP/1.1\r\nHost : x\r\n\r\n",  // whitespace before ':'
           "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
           "GET / HTTP/1.1\r\n: empty\r\n\r\n",
           "GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",  // obsolete line folding
           "GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n",        // control in a value
           "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",          // bare CR in a value
           "GET / HTTP/1.1\r\nX\x7f: a\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
       }) {
    EXPECT_EQ(ErrorOf(bad), 400) << bad;
  }
  RequestParser p = Parse("GET / HTTP/1.1\r\nX: caf\xc3\xa9\t\r\n\r\n");  // obs-text is fine
  ASSERT_EQ(p.state(), State::kDone);
  EXPECT_EQ(p.request().Header("x"), "caf\xc3\xa9");
}

TEST(HttpRequestParser, AnswersVersionAndLengthErrors) {
  EXPECT_EQ(ErrorOf("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(ErrorOf("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505);
  EXPECT_EQ(ErrorOf(std::string(33, 'M') + " / HTTP/1.1\r\n\r\n"), 501);
  std::string long_target = "GET /" + std::string(2048, 'a');
  EXPECT_EQ(ErrorOf(long_target), 414);  // before the line even ends
  EXPECT_EQ(Parse("GET /" + std::string(2047, 'a') + " HTTP/1.1\r\n\r\n").state(), State::kDone);
}

TEST(HttpRequestParser, LimitsTheHead) {
  std::string big = "GET / HTTP/1.1\r\nX: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
  RequestParser p;
  EXPECT_EQ(p.Feed(big), State::kError);
  EXPECT_EQ(p.error_status(), 431);
  EXPECT_EQ(p.head_size(), 8193u);  // never buffers past the limit

  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(ErrorOf(many + "\r\n"), 431);

  std::string exact = "GET / HTTP/1.1\r\nX: ";
  exact += std::string(8192 - exact.size() - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(exact.size(), 8192u);
  EXPECT_EQ(Parse(exact).state(), State::kDone);
  EXPECT_EQ(ErrorOf("\r\n" + exact), 431);
}

TEST(HttpRequestParser, StaysInItsFinalState) {
  RequestParser p;
  EXPECT_EQ(p.Feed("BAD\x01"), State::kError);
  EXPECT_EQ(p.Feed("GET / HTTP/1.1\r\n\r\n"), State::kError);
  EXPECT_FALSE(p.error().empty());
}

}  // namespace
}  // namespace http
