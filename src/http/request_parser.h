// RequestParser: an incremental parser for one HTTP/1.x request head
// (request line and header fields, RFC 9112), for tend's health and metrics
// endpoint. Pure: no I/O, no clock. The server feeds it bytes as they
// arrive and gets NeedMore, Done, or Error with the status to answer.
//
// Choices, so a hostile or broken client is refused early and cheaply:
// - Lines end in CRLF or a bare LF (RFC 9112 §2.2 lets a recipient accept
//   LF alone). A bare CR anywhere else is an error (400).
// - Empty lines before the request line are skipped (§2.2 asks servers to
//   ignore at least one); they count towards the head size.
// - The request line is checked byte by byte as it arrives, so garbage
//   (a TLS hello, binary) is refused at once, not after 8 KiB.
// - Limits: target over 2048 bytes 414, head over 8192 bytes or over 100
//   fields 431, method over 32 bytes 501 (§3: longer than any we implement),
//   version other than HTTP/1.x 505, anything malformed 400.
// - Obsolete line folding (a field line starting with SP/HTAB) is refused
//   with 400, as §5.2 allows.
// - Bodies are not read: only the head is parsed. `body_indicated` says
//   whether Content-Length > 0 or Transfer-Encoding announced one; the
//   server answers and closes, so a body never desynchronises anything.
//   Content-Length must be digits (else 400, §6.3: unrecoverable).
// - A missing Host is tolerated (one virtual host, and `nc` users forget
//   it); a second Host field is refused (400), as §3.2 requires.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

struct Request {
  std::string method;     // case-sensitive token, e.g. "GET"
  std::string path;       // "/metrics"; "*" for OPTIONS *; from absolute-form too
  std::string query;      // after '?', without it; empty when none
  int minor_version = 1;  // the x of HTTP/1.x
  std::vector<std::pair<std::string, std::string>> headers;  // as received, OWS trimmed
  bool body_indicated = false;

  // The first field named `name` (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct ParseLimits {
  size_t max_target = 2048;  // bytes of request-target
  size_t max_head = 8192;    // bytes of the whole head, line endings included
  size_t max_headers = 100;  // header field lines
};

class RequestParser {
 public:
  enum class State { kNeedMore, kDone, kError };
  static constexpr size_t kMaxMethod = 32;

  explicit RequestParser(ParseLimits limits = {}) : limits_(limits) {}

  // Consumes bytes of the head. Once Done or Error, further bytes are
  // ignored (they are a body or garbage) and the state stays.
  State Feed(std::string_view data);

  State state() const { return state_; }
  // Valid once Done.
  const Request& request() const { return request_; }
  // Once Error: the status to answer (400, 414, 431, 501, 505) and why.
  int error_status() const { return error_status_; }
  const std::string& error() const { return error_; }
  // Bytes of the head consumed so far: all of it once Done; once Error,
  // about where it stopped (it may depend on how the input was split).
  size_t head_size() const { return head_size_; }

 private:
  // Where the request-line scanner is: which of the three parts, and how
  // long the current part is.
  struct LineScan {
    int part = 0;  // 0 method, 1 target, 2 version
    size_t part_len = 0;
    bool cr = false;  // the last byte was CR
    size_t scanned = 0;
  };

  void Fail(int status, std::string why);
  void ScanRequestLine();
  bool ScanByte(char c);
  void OnLine(std::string_view line);
  void OnRequestLine(std::string_view line);
  void ParseTarget(std::string_view target);
  void OnHeaderLine(std::string_view line);
  bool CheckHeader(std::string_view name, std::string_view value);

  ParseLimits limits_;
  State state_ = State::kNeedMore;
  Request request_;
  int error_status_ = 0;
  std::string error_;
  std::string line_;  // the line being received, terminator included once seen
  size_t head_size_ = 0;
  bool in_request_line_ = true;
  LineScan scan_;
};

}  // namespace http
