#include "config/socket_spec.h"

#include <string_view>

#include "base/text.h"

namespace spec {
namespace {

constexpr std::string_view kForms =
    R"(e.g. "tcp://0.0.0.0:80", "tcp://[::1]:8080", "udp://:53" or "unix:/run/app.sock")";

base::Error Bad(const std::string& text, const std::string& why) {
  return base::Error{"'" + base::Printable(text, 200) + "': " + why, 0};
}

// ParseListenAddress speaks for http_listen; its reason is the same here.
std::string Reason(const base::Error& e) {
  constexpr std::string_view kPrefix = "http_listen: ";
  std::string_view what = e.what;
  if (what.substr(0, kPrefix.size()) == kPrefix) what.remove_prefix(kPrefix.size());
  return std::string(what);
}

base::Result<SocketSpec> ParseIp(const std::string& text, SocketSpec::Kind kind,
                                 std::string_view rest) {
  if (rest.find(':') == std::string_view::npos) {
    return Bad(text, "missing ':PORT' (" + std::string(kForms) + ")");
  }
  auto ip = ParseListenAddress(std::string(rest));
  if (!ip) return Bad(text, Reason(ip.Err()));
  SocketSpec s;
  s.kind = kind;
  s.ip = *ip;
  return s;
}

base::Result<SocketSpec> ParseUnix(const std::string& text, std::string_view path) {
  if (path.empty() || path[0] != '/') return Bad(text, "a unix socket needs an absolute path");
  if (path.size() > kMaxUnixPath) {
    return Bad(text, "path is " + std::to_string(path.size()) +
                         " bytes, a unix socket's is at most " + std::to_string(kMaxUnixPath));
  }
  if (path.back() == '/') return Bad(text, "the path names a directory: name the socket file");
  SocketSpec s;
  s.kind = SocketSpec::Kind::kUnix;
  s.path = std::string(path);
  return s;
}

}  // namespace

std::string SocketSpec::Address() const {
  switch (kind) {
    case Kind::kUnix: return "unix:" + path;
    case Kind::kUdp: return "udp://" + FormatListenAddress(ip);
    case Kind::kTcp: break;
  }
  return "tcp://" + FormatListenAddress(ip);
}

base::Result<SocketSpec> ParseSocketAddress(const std::string& text) {
  std::string_view v = text;
  if (v.substr(0, 6) == "tcp://") return ParseIp(text, SocketSpec::Kind::kTcp, v.substr(6));
  if (v.substr(0, 6) == "udp://") return ParseIp(text, SocketSpec::Kind::kUdp, v.substr(6));
  if (v.substr(0, 7) == "unix://") return ParseUnix(text, v.substr(7));
  if (v.substr(0, 5) == "unix:") return ParseUnix(text, v.substr(5));
  return Bad(text, "not an address (" + std::string(kForms) + ")");
}

std::optional<mode_t> ParseSocketMode(const std::string& text) {
  if (text.empty() || text.size() > 4 || text.find_first_not_of("01234567") != std::string::npos) {
    return std::nullopt;
  }
  return static_cast<mode_t>(std::stoul(text, nullptr, 8));
}

}  // namespace spec
