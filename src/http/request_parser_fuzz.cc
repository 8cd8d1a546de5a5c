// libFuzzer target: the HTTP request-head parser. Any bytes, fed whole,
// byte by byte and in chunks whose sizes come from the data, must give the
// same outcome, never crash, and hold the parser's promises (abort otherwise).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/request_parser.h"
#include "http/response.h"

namespace {

using http::RequestParser;

void Check(bool ok) {
  if (!ok) abort();
}

bool IsCleanText(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

void CheckPromises(const RequestParser& p, const http::ParseLimits& limits, size_t size) {
  Check(p.head_size() <= size && p.head_size() <= limits.max_head + 1);
  if (p.state() == RequestParser::State::kError) {
    int s = p.error_status();
    Check(s == 400 || s == 414 || s == 431 || s == 501 || s == 505);
    Check(!p.error().empty());
    std::string wire = http::Serialize(http::TextError(s, p.error()), false);
    Check(wire.rfind("HTTP/1.1 ", 0) == 0 && wire.find("\r\n\r\n") != std::string::npos);
    return;
  }
  if (p.state() != RequestParser::State::kDone) return;
  const http::Request& r = p.request();
  Check(p.head_size() <= limits.max_head);
  Check(!r.method.empty() && r.method.size() <= RequestParser::kMaxMethod);
  Check(r.path == "*" || (!r.path.empty() && r.path[0] == '/'));
  Check(r.path.size() + r.query.size() <= limits.max_target + 1);
  Check(r.minor_version >= 0 && r.minor_version <= 9);
  Check(r.headers.size() <= limits.max_headers);
  for (const auto& [name, value] : r.headers) {
    Check(!name.empty() && IsCleanText(name) && IsCleanText(value));
    Check(name.find(' ') == std::string::npos && name.find(':') == std::string::npos);
  }
}

bool Same(const RequestParser& a, const RequestParser& b) {
  if (a.state() != b.state()) return false;
  if (a.state() == RequestParser::State::kError) {  // how far it read then depends on chunks
    return a.error_status() == b.error_status() && a.error() == b.error();
  }
  if (a.head_size() != b.head_size()) return false;
  if (a.state() == RequestParser::State::kNeedMore) return true;
  const http::Request& x = a.request();
  const http::Request& y = b.request();
  return x.method == y.method && x.path == y.path && x.query == y.query &&
         x.minor_version == y.minor_version && x.headers == y.headers &&
         x.body_indicated == y.body_indicated;
}

void Run(std::string_view in, const http::ParseLimits& limits) {
  RequestParser whole(limits), bytes(limits), chunks(limits);
  whole.Feed(in);
  for (char c : in) bytes.Feed(std::string_view(&c, 1));
  for (size_t pos = 0; pos < in.size();) {
    size_t n = 1 + static_cast<unsigned char>(in[pos]) % 32;
    chunks.Feed(in.substr(pos, n));
    pos += n;
  }
  CheckPromises(whole, limits, in.size());
  Check(Same(whole, bytes));
  Check(Same(whole, chunks));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Run(in, http::ParseLimits{});
  // Tiny limits, so inputs of fuzzing size reach 414 and 431 too.
  Run(in, http::ParseLimits{.max_target = 16, .max_head = 128, .max_headers = 3});
  return 0;
}
