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

}  // namespace os
