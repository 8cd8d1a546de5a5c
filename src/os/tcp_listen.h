// TCP listening sockets for tend's HTTP endpoint: parsing the user's
// `http_listen` value, binding, and accepting clients without blocking.
// Hosts are numeric only (plus "localhost"): tend is a static binary with
// no resolver, and a health port should not depend on DNS.
#pragma once

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

struct ListenAddress {
  // Numeric IPv4 ("127.0.0.1") or IPv6 without brackets ("::1"); empty for
  // all interfaces (dual-stack [::] where the kernel has IPv6, else 0.0.0.0).
  std::string host;
  bool ipv6 = false;
  int port = 0;  // 0 (tests only): the kernel picks a free port
};

// Parses "9001", ":9001", "127.0.0.1:9001", "[::1]:9001", "localhost:9001".
// Port 1-65535. Errors name the problem and the fix, e.g.
// "http_listen: port 99999 out of range (1-65535)".
base::Result<ListenAddress> ParseListenAddress(const std::string& spec);

// "127.0.0.1:9001", "[::1]:9001", "*:9001", for log lines.
std::string FormatListenAddress(const ListenAddress& address);

// A listening socket, non-blocking, close-on-exec, SO_REUSEADDR (so a
// restarted tend can bind while old connections sit in TIME_WAIT).
base::Result<base::UniqueFd> ListenTcp(const std::string& spec);
base::Result<base::UniqueFd> ListenTcp(const ListenAddress& address);

// The local port `fd` is bound to (to learn what port 0 picked).
base::Result<int> BoundPort(int fd);

// Accepts one client, non-blocking and close-on-exec. An invalid fd means
// none is waiting (or it gave up before we got to it); an error means
// accepting is failing (EMFILE, ENFILE, ENOBUFS...) and the caller should
// back off instead of spinning on a listening socket that stays readable.
base::Result<base::UniqueFd> AcceptTcp(int listen_fd);

}  // namespace os
