#include "http/response.h"

#include <gtest/gtest.h>

namespace http {
namespace {

TEST(HttpResponse, SerializesStatusFieldsAndBody) {
  Response r{200, "text/plain; charset=utf-8", "ok\n", {}};
  EXPECT_EQ(Serialize(r, false),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 3\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n"
            "\r\n"
            "ok\n");
}

TEST(HttpResponse, HeadKeepsTheLengthButNotTheBody) {
  Response r{503, "text/plain", "not ready\n", {}};
  std::string wire = Serialize(r, true);
  EXPECT_EQ(wire.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u);
  EXPECT_NE(wire.find("Content-Length: 10\r\n"), std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");
}

TEST(HttpResponse, ExtraFieldsCannotInjectLines) {
  Response r = TextError(405);
  r.headers.emplace_back("Allow", "GET, HEAD\r\nSet-Cookie: x");
  std::string wire = Serialize(r, false);
  EXPECT_NE(wire.find("Allow: GET, HEAD  Set-Cookie: x\r\n"), std::string::npos);
  EXPECT_EQ(r.body, "405 Method Not Allowed\n");
}

TEST(HttpResponse, KnowsItsReasonPhrases) {
  for (int code : {200, 400, 404, 405, 408, 414, 431, 500, 501, 503, 505}) {
    EXPECT_NE(ReasonPhrase(code), "Unknown") << code;
  }
  EXPECT_EQ(ReasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(Serialize(Response{42, "text/plain", "", {}}, false).substr(0, 30),
            "HTTP/1.1 500 Internal Server E");
}

TEST(HttpResponse, TextErrorAddsTheDetail) {
  EXPECT_EQ(TextError(414, "request target over 2048 bytes").body,
            "414 URI Too Long\nrequest target over 2048 bytes\n");
}

}  // namespace
}  // namespace http
