#include "os/tcp_listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "base/text.h"

namespace os {
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

base::Result<base::UniqueFd> BindAndListen(const sockaddr* addr, socklen_t len, bool dual_stack,
                                           const std::string& where) {
  base::UniqueFd fd(socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return base::Errno("http_listen: socket for " + where);
  int one = 1, zero = 0;
  if (setsockopt(fd.Get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
    return base::Errno("http_listen: SO_REUSEADDR");
  }
  // Some distributions default to IPV6_V6ONLY=1; "all interfaces" means IPv4 too.
  if (dual_stack && setsockopt(fd.Get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0) {
    return base::Errno("http_listen: IPV6_V6ONLY");
  }
  if (bind(fd.Get(), addr, len) < 0) return base::Errno("http_listen: bind " + where);
  if (listen(fd.Get(), SOMAXCONN) < 0) return base::Errno("http_listen: listen " + where);
  return fd;
}

base::Result<base::UniqueFd> ListenV4(const std::string& host, int port, const std::string& where) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (!host.empty() && inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
    return base::Error{"http_listen: bad IPv4 address " + host, EINVAL};
  }
  return BindAndListen(reinterpret_cast<sockaddr*>(&a), sizeof a, false, where);
}

base::Result<base::UniqueFd> ListenV6(const std::string& host, int port, const std::string& where) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(static_cast<uint16_t>(port));
  a.sin6_addr = in6addr_any;
  if (!host.empty() && inet_pton(AF_INET6, host.c_str(), &a.sin6_addr) != 1) {
    return base::Error{"http_listen: bad IPv6 address " + host, EINVAL};
  }
  return BindAndListen(reinterpret_cast<sockaddr*>(&a), sizeof a, host.empty(), where);
}

// Errors meaning "this kernel or container has no IPv6", not "port taken".
bool NoIpv6(int err) {
  return err == EAFNOSUPPORT || err == EADDRNOTAVAIL || err == EPROTONOSUPPORT;
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

base::Result<base::UniqueFd> ListenTcp(const std::string& spec) {
  auto address = ParseListenAddress(spec);
  if (!address) return address.Err();
  return ListenTcp(*address);
}

base::Result<base::UniqueFd> ListenTcp(const ListenAddress& address) {
  std::string where = FormatListenAddress(address);
  if (!address.host.empty()) {
    return address.ipv6 ? ListenV6(address.host, address.port, where)
                        : ListenV4(address.host, address.port, where);
  }
  auto fd = ListenV6("", address.port, where);
  if (fd || !NoIpv6(fd.Err().err)) return fd;
  return ListenV4("", address.port, where);
}

base::Result<int> BoundPort(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0) return base::Errno("getsockname");
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
  return base::Error{"getsockname: not a TCP socket", EAFNOSUPPORT};
}

base::Result<base::UniqueFd> AcceptTcp(int listen_fd) {
  int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) return base::UniqueFd(fd);
  switch (errno) {
    case EAGAIN:
    case EINTR:
    // A connection that failed between SYN and accept (accept(2) asks to
    // treat these like EAGAIN).
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH: return base::UniqueFd();
    default: return base::Errno("accept4");
  }
}

}  // namespace os
