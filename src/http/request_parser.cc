#include "http/request_parser.h"

#include <cstring>

namespace http {
namespace {

// tchar of RFC 9110 §5.6.2: the characters of methods and field names.
bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// A request-target is visible US-ASCII only (RFC 3986 characters, which
// never include controls, spaces or raw bytes over 0x7e).
bool IsTargetChar(char c) { return c > 0x20 && c < 0x7f; }

// field-value: VCHAR, obs-text, SP and HTAB; never CR, LF, NUL or DEL.
bool IsFieldValueChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return c == '\t' || (u >= 0x20 && u != 0x7f);
}

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

constexpr const char* kBadRequestLine = "malformed request line (expected 'METHOD /path HTTP/1.1')";

}  // namespace

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

RequestParser::State RequestParser::Feed(std::string_view data) {
  while (state_ == State::kNeedMore && !data.empty()) {
    size_t nl = data.find('\n');
    size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
    // Buffer at most one byte past the limit: that byte proves the head too big.
    size_t room = limits_.max_head + 1 - head_size_;
    bool complete = nl != std::string_view::npos && take <= room;
    if (take > room) take = room;
    line_.append(data.data(), take);
    head_size_ += take;
    data.remove_prefix(take);
    if (in_request_line_) ScanRequestLine();
    if (state_ != State::kNeedMore) break;
    if (head_size_ > limits_.max_head) {
      Fail(431, "request head over " + std::to_string(limits_.max_head) + " bytes");
      break;
    }
    if (!complete) break;
    std::string_view line(line_);
    line.remove_suffix(1);  // LF
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    OnLine(line);
    line_.clear();
    scan_ = {};
  }
  return state_;
}

void RequestParser::Fail(int status, std::string why) {
  state_ = State::kError;
  error_status_ = status;
  error_ = std::move(why);
  line_.clear();
  line_.shrink_to_fit();
}

// Checks the bytes of the request line that arrived since the last call,
// so a bad method, target or an overlong part fails before the line ends.
void RequestParser::ScanRequestLine() {
  while (scan_.scanned < line_.size() && line_[scan_.scanned] != '\n') {
    if (!ScanByte(line_[scan_.scanned++])) return;
  }
}

bool RequestParser::ScanByte(char c) {
  LineScan& s = scan_;
  if (s.cr) {  // CR not followed by LF (an LF never reaches here)
    Fail(400, "bare CR in request line");
    return false;
  }
  if (c == '\r') {
    s.cr = true;
    return true;
  }
  if (c == ' ') {
    // Exactly one SP between three non-empty parts (RFC 9112 §3).
    if (s.part_len == 0 || s.part == 2) {
      Fail(400, kBadRequestLine);
      return false;
    }
    ++s.part;
    s.part_len = 0;
    return true;
  }
  ++s.part_len;
  if (s.part == 0) {
    if (!IsTchar(c))
      Fail(400, "invalid character in method");
    else if (s.part_len > kMaxMethod)
      Fail(501, "method longer than any this server implements");
  } else if (s.part == 1) {
    if (!IsTargetChar(c))
      Fail(400, "invalid character in request target");
    else if (s.part_len > limits_.max_target) {
      Fail(414, "request target over " + std::to_string(limits_.max_target) + " bytes");
    }
  } else if (s.part_len > 8) {  // "HTTP/1.1"
    Fail(400, "malformed HTTP version");
  }
  return state_ == State::kNeedMore;
}

void RequestParser::OnLine(std::string_view line) {
  if (!in_request_line_) {
    OnHeaderLine(line);
    return;
  }
  if (line.empty()) return;  // an empty line before the request line
  in_request_line_ = false;
  OnRequestLine(line);
}

void RequestParser::OnRequestLine(std::string_view line) {
  // The scanner saw every byte: single SPs, valid characters, parts in bounds.
  if (scan_.part != 2 || scan_.part_len == 0) return Fail(400, kBadRequestLine);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.find(' ', sp1 + 1);
  request_.method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !digit(version[5]) ||
      version[6] != '.' || !digit(version[7])) {
    return Fail(400, "malformed HTTP version");
  }
  if (version[5] != '1') return Fail(505, "HTTP version not supported (only HTTP/1.x)");
  request_.minor_version = version[7] - '0';
  ParseTarget(target);
}

// origin-form "/p?q", asterisk-form "*" (OPTIONS only) and absolute-form
// "http://host/p?q", which RFC 9112 §3.2.2 says servers must accept.
void RequestParser::ParseTarget(std::string_view target) {
  if (target.find('#') != std::string_view::npos) {
    return Fail(400, "fragment ('#') in request target");
  }
  std::string origin(target);
  if (target == "*") {
    if (request_.method != "OPTIONS") {
      return Fail(400, "'*' is a request target for OPTIONS only");
    }
  } else if (target.front() != '/') {
    size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) {
      return Fail(400, "request target must start with '/'");
    }
    size_t rest = target.find_first_of("/?", scheme_end + 3);
    origin = rest == std::string_view::npos ? "/" : std::string(target.substr(rest));
    if (origin.front() == '?') origin.insert(0, "/");
  }
  size_t q = origin.find('?');
  request_.path = origin.substr(0, q);
  if (q != std::string::npos) request_.query = origin.substr(q + 1);
}

void RequestParser::OnHeaderLine(std::string_view line) {
  if (line.empty()) {
    state_ = State::kDone;
    return;
  }
  if (IsOws(line.front())) return Fail(400, "obsolete header line folding is not supported");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return Fail(400, "header line without ':'");
  std::string_view name = line.substr(0, colon);
  if (name.empty()) return Fail(400, "empty header name");
  if (IsOws(name.back())) return Fail(400, "whitespace before ':' in header");
  for (char c : name) {
    if (!IsTchar(c)) return Fail(400, "invalid character in header name");
  }
  std::string_view value = TrimOws(line.substr(colon + 1));
  for (char c : value) {
    if (!IsFieldValueChar(c)) return Fail(400, "invalid character in header value");
  }
  if (request_.headers.size() >= limits_.max_headers) {
    return Fail(431, "more than " + std::to_string(limits_.max_headers) + " header fields");
  }
  if (!CheckHeader(name, value)) return;
  request_.headers.emplace_back(name, value);
}

// The few fields whose meaning matters to framing (RFC 9112 §3.2, §6).
bool RequestParser::CheckHeader(std::string_view name, std::string_view value) {
  if (EqualsIgnoreCase(name, "host") && request_.Header("host")) {
    Fail(400, "more than one Host header");
    return false;
  }
  if (EqualsIgnoreCase(name, "transfer-encoding")) request_.body_indicated = true;
  if (!EqualsIgnoreCase(name, "content-length")) return true;
  auto previous = request_.Header("content-length");
  bool digits = !value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits || (previous && *previous != value)) {
    Fail(400, "invalid Content-Length");
    return false;
  }
  if (value.find_first_not_of('0') != std::string_view::npos) request_.body_indicated = true;
  return true;
}

}  // namespace http
