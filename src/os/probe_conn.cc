#include "os/probe_conn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace os {
namespace {

// Only the status line matters; a server that sends 4 KiB without one is
// not speaking HTTP.
constexpr size_t kMaxResponse = 4096;

bool ToSockaddr(const spec::ProbeTarget& target, sockaddr_storage& addr, socklen_t& len) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  uint16_t port = htons(static_cast<uint16_t>(target.port));
  if (inet_pton(AF_INET, target.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = port;
    len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, target.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = port;
    len = sizeof *v6;
    return true;
  }
  return false;
}

std::string Request(const spec::ProbeTarget& target) {
  const std::string& path = target.path.empty() ? "/" : target.path;
  const std::string& host = target.host_header.empty() ? target.host : target.host_header;
  // Connection: close, so a keep-alive server does not hold the socket for
  // a request that will never come.
  return "GET " + path + " HTTP/1.1\r\nHost: " + host +
         "\r\nUser-Agent: tend-probe\r\nConnection: close\r\nAccept: */*\r\n\r\n";
}

// "Connection refused" -> "connection refused", to read well after a colon.
std::string ErrnoText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

bool IsDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

// Position after the empty line that ends the header block starting at
// `pos`; npos when it has not arrived yet.
size_t SkipHeaders(std::string_view response, size_t pos) {
  while (true) {
    size_t eol = response.find('\n', pos);
    if (eol == std::string_view::npos) return std::string_view::npos;
    std::string_view line = response.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line == "\r") return pos;
  }
}

}  // namespace

std::optional<int> ParseStatusLine(std::string_view line) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  constexpr std::string_view kPrefix = "HTTP/";
  if (!line.starts_with(kPrefix)) return std::nullopt;
  line.remove_prefix(kPrefix.size());
  // HTTP-version is "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3); a bare "HTTP/2"
  // is accepted too.
  size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view version = line.substr(0, space);
  bool version_ok = (version.size() == 1 && IsDigits(version)) ||
                    (version.size() == 3 && version[1] == '.' && IsDigits(version.substr(0, 1)) &&
                     IsDigits(version.substr(2)));
  std::string_view rest = line.substr(space + 1);
  if (!version_ok || rest.size() < 3 || !IsDigits(rest.substr(0, 3))) return std::nullopt;
  if (rest.size() > 3 && rest[3] != ' ') return std::nullopt;
  int code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
  if (code < 100 || code > 599) return std::nullopt;
  return code;
}

int FinalStatus(std::string_view response) {
  size_t pos = 0;
  while (true) {
    size_t eol = response.find('\n', pos);
    if (eol == std::string_view::npos) return kNeedMore;
    std::optional<int> code = ParseStatusLine(response.substr(pos, eol + 1 - pos));
    if (!code) return kMalformed;
    // 1xx responses are interim (103 Early Hints may precede the real one);
    // 101 would switch protocols, which a GET without Upgrade never asks for.
    if (*code >= 200 || *code == 101) return *code;
    pos = SkipHeaders(response, eol + 1);
    if (pos == std::string_view::npos) return kNeedMore;
  }
}

base::Result<ProbeConn> ProbeConn::Start(const spec::ProbeTarget& target, bool http) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!ToSockaddr(target, addr, len)) {
    return base::Error{"probe address '" + target.host + "' is not numeric", EINVAL};
  }
  base::UniqueFd fd(socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return base::Errno("socket");
  // EINPROGRESS is the normal case; EINTR also leaves the connect running.
  // Any other error (ECONNREFUSED, ENETUNREACH, no free local port) is the
  // probe's result, kept for the first event: a socket whose connect failed
  // is closed, and epoll reports EPOLLHUP for it at once.
  int err = 0;
  if (connect(fd.Get(), reinterpret_cast<sockaddr*>(&addr), len) < 0 && errno != EINPROGRESS &&
      errno != EINTR) {
    err = errno;
  }
  return ProbeConn(std::move(fd), http, http ? Request(target) : std::string(), err);
}

ProbeConn::ProbeConn(base::UniqueFd fd, bool http, std::string request, int connect_errno)
    : fd_(std::move(fd)),
      http_(http),
      connect_errno_(connect_errno),
      request_(std::move(request)) {}

uint32_t ProbeConn::WantEvents() const {
  switch (stage_) {
    case Stage::kConnecting:
    case Stage::kSending: return EPOLLOUT;
    case Stage::kReading: return EPOLLIN;
    case Stage::kDone: break;
  }
  return 0;
}

ProbeConn::Outcome ProbeConn::OnEvents(uint32_t events) {
  switch (stage_) {
    case Stage::kConnecting:
      return events & (EPOLLOUT | EPOLLERR | EPOLLHUP) ? Connected() : Outcome::kPending;
    case Stage::kSending: return Send();
    case Stage::kReading: return Receive();
    case Stage::kDone: break;
  }
  return outcome_;
}

ProbeConn::Outcome ProbeConn::Connected() {
  if (connect_errno_) return FinishWithErrno(connect_errno_);
  // A finished non-blocking connect reports its result in SO_ERROR.
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd_.Get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err) return FinishWithErrno(err);
  if (!http_) return Finish(Outcome::kHealthy, "connected");
  stage_ = Stage::kSending;
  return Send();
}

ProbeConn::Outcome ProbeConn::Send() {
  while (sent_ < request_.size()) {
    ssize_t n = send(fd_.Get(), request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return Outcome::kPending;
    if (n < 0) return FinishWithErrno(errno);
    sent_ += static_cast<size_t>(n);
  }
  stage_ = Stage::kReading;
  return Outcome::kPending;
}

ProbeConn::Outcome ProbeConn::Receive() {
  char buf[kMaxResponse];
  while (response_.size() < kMaxResponse) {
    ssize_t n = recv(fd_.Get(), buf, kMaxResponse - response_.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return Outcome::kPending;
    if (n < 0) return FinishWithErrno(errno);
    if (n == 0) return AtEof();
    response_.append(buf, static_cast<size_t>(n));
    if (int status = FinalStatus(response_); status != kNeedMore) return Judge(status);
  }
  return Finish(Outcome::kUnhealthy, "HTTP response malformed: no status line in the first 4 KiB");
}

ProbeConn::Outcome ProbeConn::AtEof() {
  // A status line cut off only by the close still counts ("HTTP/1.0 200 OK").
  int status = response_.empty() ? kNeedMore : FinalStatus(response_ + "\n");
  if (status == kNeedMore) return Finish(Outcome::kUnhealthy, "closed before a status line");
  return Judge(status);
}

ProbeConn::Outcome ProbeConn::Judge(int status) {
  if (status == kMalformed) return Finish(Outcome::kUnhealthy, "HTTP response malformed");
  // Kubernetes semantics: any 2xx or 3xx (redirects are not followed) is healthy.
  bool healthy = status >= 200 && status < 400;
  return Finish(healthy ? Outcome::kHealthy : Outcome::kUnhealthy,
                "HTTP " + std::to_string(status));
}

ProbeConn::Outcome ProbeConn::Finish(Outcome outcome, std::string detail) {
  stage_ = Stage::kDone;
  outcome_ = outcome;
  detail_ = std::move(detail);
  return outcome_;
}

ProbeConn::Outcome ProbeConn::FinishWithErrno(int err) {
  return Finish(Outcome::kUnhealthy, ErrnoText(err));
}

}  // namespace os
