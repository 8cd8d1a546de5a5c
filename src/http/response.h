// Response: what tend's HTTP endpoint answers, and its bytes on the wire.
// Every response is HTTP/1.1 with Content-Length, `Connection: close`
// (one request per connection keeps the server's state tiny) and
// `Cache-Control: no-store` (health and metrics are always live).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra fields, e.g. {"Allow", "GET, HEAD"} with a 405.
  std::vector<std::pair<std::string, std::string>> headers;
  // A stream (Server-Sent Events): the head and `body` go now, without
  // Content-Length; the connection stays open and what the server
  // publishes under `topic` (or anything, for an empty one) follows.
  bool stream = false;
  std::string topic{};
};

// "OK", "Not Found"... for the codes tend uses; "Unknown" otherwise.
std::string_view ReasonPhrase(int status);

// A plain-text response whose body is "<status> <reason>\n", plus `detail`
// on its own line when given: for errors a human reads with curl.
Response TextError(int status, std::string_view detail = {});

// Status line, fields and (unless `head_only`) body. Content-Length is the
// body's size either way, as RFC 9110 §9.3.2 asks for HEAD; a stream has
// none (its body ends when the connection does). A status out of
// 100..599 is sent as 500; CR, LF and NUL in field names or values are
// replaced by spaces, so a value can never inject a field.
std::string Serialize(const Response& response, bool head_only);

}  // namespace http
