// ListenAddress: the `http_listen` value, parsed. Pure, so the config
// checks it with the rest (os/tcp_listen.h binds it). Hosts are numeric only
// (plus "localhost"): tend is a static binary with no resolver, and a
// health port should not depend on DNS.
#pragma once

#include <string>

#include "base/result.h"

namespace spec {

struct ListenAddress {
  // Numeric IPv4 ("127.0.0.1") or IPv6 without brackets ("::1"); empty for
  // all interfaces (dual-stack [::] where the kernel has IPv6, else 0.0.0.0).
  std::string host;
  bool ipv6 = false;
  int port = 0;  // 0 (tests only): the kernel picks a free port
  bool operator==(const ListenAddress&) const = default;
};

// Parses "9001", ":9001", "127.0.0.1:9001", "[::1]:9001", "localhost:9001".
// Port 1-65535. Errors name the problem and the fix, e.g.
// "http_listen: port 99999 out of range (1-65535)".
base::Result<ListenAddress> ParseListenAddress(const std::string& spec);

// "127.0.0.1:9001", "[::1]:9001", "*:9001", for log lines.
std::string FormatListenAddress(const ListenAddress& address);

}  // namespace spec
