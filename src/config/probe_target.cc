#include "config/probe_target.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

namespace spec {
namespace {

constexpr std::string_view kLoopback = "127.0.0.1";
constexpr int kHttpPort = 80;

struct Endpoint {
  std::string host;    // canonical numeric address
  std::string header;  // the host as the Host header should name it
  int port = 0;
};

// Errors are returned as text, empty meaning success, so each step can name
// exactly what is wrong.
using Why = std::string;

bool AllDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Why ParsePort(std::string_view s, int& port) {
  if (s.empty()) return "missing port after ':'";
  int value = 0;
  if (AllDigits(s) && s.size() <= 5) value = std::stoi(std::string(s));
  if (value < 1 || value > 65535) {
    return "port must be a number from 1 to 65535, got '" + std::string(s) + "'";
  }
  port = value;
  return {};
}

// inet_pton then inet_ntop, so equal addresses compare equal as text.
bool Canonical(int family, const std::string& text, std::string& out) {
  unsigned char bytes[sizeof(in6_addr)];
  char buf[INET6_ADDRSTRLEN];
  if (inet_pton(family, text.c_str(), bytes) != 1) return false;
  if (!inet_ntop(family, bytes, buf, sizeof buf)) return false;
  out = buf;
  return true;
}

Why ParseIpv6(std::string_view s, Endpoint& ep) {
  if (!Canonical(AF_INET6, std::string(s), ep.host)) {
    return "'[" + std::string(s) +
           "]' is not an IPv6 address (zone ids like %eth0 are not supported)";
  }
  ep.header = "[" + ep.host + "]";
  return {};
}

Why ParseIpv4OrLocalhost(std::string_view s, Endpoint& ep) {
  if (s.empty() || EqualsNoCase(s, "localhost")) {
    ep.host = kLoopback;
    ep.header = s.empty() ? std::string(kLoopback) : "localhost";
    return {};
  }
  if (!Canonical(AF_INET, std::string(s), ep.host)) {
    return "'" + std::string(s) +
           "' is not a numeric address: tend looks up no host names (it is a static binary "
           "without DNS); use an IP address such as 127.0.0.1, or localhost";
  }
  ep.header = ep.host;
  return {};
}

// "[v6]", "[v6]:port", "host", "host:port", ":port"; a missing port is an
// error unless there is a default.
Why ParseEndpoint(std::string_view s, std::optional<int> default_port, Endpoint& ep) {
  std::string_view host = s, port;
  bool has_port = false;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return "missing ']' after the IPv6 address";
    host = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return "expected ':PORT' after ']'";
    has_port = !rest.empty();
    if (has_port) port = rest.substr(1);
    if (Why why = ParseIpv6(host, ep); !why.empty()) return why;
  } else {
    size_t colon = s.find(':');
    if (colon != std::string_view::npos && s.find(':', colon + 1) != std::string_view::npos) {
      return "IPv6 addresses need brackets, e.g. [::1]:8080";
    }
    has_port = colon != std::string_view::npos;
    if (has_port) host = s.substr(0, colon), port = s.substr(colon + 1);
    if (Why why = ParseIpv4OrLocalhost(host, ep); !why.empty()) return why;
  }
  if (!has_port && !default_port) return "missing port: write HOST:PORT, e.g. 127.0.0.1:5432";
  if (!has_port) {
    ep.port = *default_port;
    return {};
  }
  return ParsePort(port, ep.port);
}

ProbeTargetResult Fail(std::string_view text, const Why& why) {
  return {std::nullopt, "probe target '" + std::string(text) + "': " + why};
}

ProbeTarget TargetOf(const Endpoint& ep) {
  ProbeTarget t;
  t.host = ep.host;
  t.port = ep.port;
  return t;
}

// What follows the authority: "/path?query#fragment", "?query" or nothing.
Why ParsePath(std::string_view s, std::string& path) {
  s = s.substr(0, s.find('#'));
  path = s.empty() || s.front() != '/' ? "/" + std::string(s) : std::string(s);
  // The path goes into the request line as is: a space or a control byte
  // would end or corrupt it.
  for (unsigned char c : path) {
    if (c <= ' ' || c >= 0x7f) {
      return "the path may not contain spaces, control or non-ASCII bytes: percent-encode them "
             "(a space is %20)";
    }
  }
  return {};
}

// Splits "scheme://rest"; "" when there is no scheme. A scheme is a letter
// then letters, digits, '+', '-' or '.' (RFC 3986 3.1), so a "://" later
// in a query does not count.
std::string_view SchemeOf(std::string_view text, std::string_view& rest) {
  size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return {};
  std::string_view scheme = text.substr(0, sep);
  auto is_scheme_char = [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '-' || c == '.';
  };
  if (!std::isalpha(static_cast<unsigned char>(scheme[0])) ||
      !std::all_of(scheme.begin(), scheme.end(), is_scheme_char)) {
    return {};
  }
  rest = text.substr(sep + 3);
  return scheme;
}

}  // namespace

std::string ProbeTarget::Describe() const {
  std::string address = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  address += ":" + std::to_string(port);
  return IsHttp() ? "http://" + address + path : address;
}

ProbeTargetResult ParseTcpTarget(std::string_view text) {
  if (text.empty()) return Fail(text, "empty: write HOST:PORT, e.g. 127.0.0.1:5432");
  std::string_view rest;
  if (!SchemeOf(text, rest).empty()) {
    return Fail(text, "a TCP target is HOST:PORT without a scheme; for HTTP use an HTTP probe");
  }
  // A bare port is the short form of ":PORT".
  std::string with_colon = AllDigits(text) ? ":" + std::string(text) : std::string(text);
  Endpoint ep;
  Why why = ParseEndpoint(with_colon, std::nullopt, ep);
  if (!why.empty()) return Fail(text, why);
  return {TargetOf(ep), {}};
}

ProbeTargetResult ParseHttpTarget(std::string_view text) {
  constexpr std::string_view kForm =
      "expected http://HOST[:PORT]/PATH or :PORT/PATH, e.g. http://127.0.0.1:8080/healthz";
  std::string_view rest = text;
  std::string_view scheme = SchemeOf(text, rest);
  bool short_form = scheme.empty() && !text.empty() && text.front() == ':';
  if (EqualsNoCase(scheme, "https")) {
    return Fail(
        text,
        "https is not supported (tend has no TLS): probe a plain-HTTP port, or use a TCP probe");
  }
  if (!short_form && !EqualsNoCase(scheme, "http")) return Fail(text, std::string(kForm));
  size_t end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos) {
    return Fail(text, "user info ('user@') is not supported in a probe URL");
  }
  if (authority.empty()) return Fail(text, "missing host: " + std::string(kForm));
  Endpoint ep;
  Why why = ParseEndpoint(authority, short_form ? std::nullopt : std::optional(kHttpPort), ep);
  ProbeTarget t = TargetOf(ep);
  if (why.empty()) why = ParsePath(rest.substr(end), t.path);
  if (!why.empty()) return Fail(text, why);
  // RFC 9110 7.2: the Host header names the port unless it is the default.
  t.host_header = ep.port == kHttpPort ? ep.header : ep.header + ":" + std::to_string(ep.port);
  return {t, {}};
}

}  // namespace spec
