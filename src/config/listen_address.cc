#include "config/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string_view>

#include "base/text.h"

namespace spec {
namespace {

constexpr std::string_view kExamples = "e.g. 9001, 127.0.0.1:9001 or [::1]:9001";

base::Error Bad(const std::string& what) { return base::Error{"http_listen: " + what, 0}; }

base::Result<int> ParsePort(std::string_view s, const std::string& spec) {
  if (s.empty()) {
    return Bad("missing port in '" + base::Printable(spec) + "' (" + std::string(kExamples) + ")");
  }
  if (s.find_first_not_of("0123456789") != std::string_view::npos) {
    return Bad("port '" + base::Printable(s) + "' is not a number (" + std::string(kExamples) +
               ")");
  }
  size_t digits = s.find_first_not_of('0');
  std::string_view significant = digits == std::string_view::npos ? "0" : s.substr(digits);
  int port = significant.size() > 5 ? 65536 : std::stoi(std::string(significant));
  if (port < 1 || port > 65535) return Bad("port " + std::string(s) + " out of range (1-65535)");
  return port;
}

base::Result<ListenAddress> ParseBracketed(const std::string& spec) {
  size_t close = spec.find(']');
  if (close == std::string::npos) {
    return Bad("missing ']' in '" + base::Printable(spec) + "' (e.g. [::1]:9001)");
  }
  std::string host = spec.substr(1, close - 1);
  in6_addr a6{};
  if (inet_pton(AF_INET6, host.c_str(), &a6) != 1) {
    return Bad("'" + base::Printable(host) + "' is not a numeric IPv6 address (e.g. [::1]:9001)");
  }
  if (close + 1 >= spec.size() || spec[close + 1] != ':') {
    return Bad("missing ':PORT' after ']' in '" + base::Printable(spec) + "' (e.g. [::1]:9001)");
  }
  auto port = ParsePort(std::string_view(spec).substr(close + 2), spec);
  if (!port) return port.Err();
  return ListenAddress{host, true, *port};
}

base::Result<ListenAddress> ParseHostPort(const std::string& spec, size_t colon) {
  std::string host = spec.substr(0, colon);
  auto port = ParsePort(std::string_view(spec).substr(colon + 1), spec);
  if (!port) return port.Err();
  if (host.empty() || host == "*") return ListenAddress{"", false, *port};
  if (host == "localhost") host = "127.0.0.1";
  in_addr a4{};
  if (inet_pton(AF_INET, host.c_str(), &a4) != 1) {
    return Bad("host '" + base::Printable(host) +
               "' is not a numeric IP address (tend does not resolve names; " +
               std::string(kExamples) + ")");
  }
  return ListenAddress{host, false, *port};
}

}  // namespace

base::Result<ListenAddress> ParseListenAddress(const std::string& spec) {
  if (spec.empty()) return Bad("empty address (" + std::string(kExamples) + ")");
  if (spec.front() == '[') return ParseBracketed(spec);
  size_t colon = spec.find(':');
  if (colon == std::string::npos) {
    if (spec.find_first_not_of("0123456789") != std::string::npos) return ParsePort("", spec).Err();
    auto port = ParsePort(spec, spec);
    if (!port) return port.Err();
    return ListenAddress{"", false, *port};
  }
  if (spec.find(':', colon + 1) != std::string::npos) {
    return Bad("IPv6 address must be in brackets in '" + base::Printable(spec) +
               "' (e.g. [::1]:9001)");
  }
  return ParseHostPort(spec, colon);
}

std::string FormatListenAddress(const ListenAddress& address) {
  std::string port = std::to_string(address.port);
  if (address.host.empty()) return "*:" + port;
  if (address.ipv6) return "[" + address.host + "]:" + port;
  return address.host + ":" + port;
}

}  // namespace spec
