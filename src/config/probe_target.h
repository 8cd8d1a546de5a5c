// ProbeTarget: where a health probe connects, parsed from the config. A TCP
// target is an address and a port; an HTTP target adds the Host header and
// the path to GET. Parsing is pure (no DNS: tend is a static binary and a
// resolver would block the event loop), so the only host name accepted is
// localhost; everything else must be a numeric IPv4 or bracketed IPv6
// address. os::ProbeConn turns a target into a socket address at connect time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace spec {

struct ProbeTarget {
  std::string host;         // numeric, canonical: "127.0.0.1", "::1" (no brackets)
  int port = 0;             // 1..65535
  std::string host_header;  // HTTP only: "localhost:8080", "[::1]:8080", "127.0.0.1"
  std::string path;         // HTTP only: "/healthz?full=1"; empty for TCP targets

  bool IsHttp() const { return !path.empty(); }
  // "127.0.0.1:5432", "[::1]:5432", "http://127.0.0.1:8080/healthz": the
  // address actually probed, for log lines.
  std::string Describe() const;
  bool operator==(const ProbeTarget&) const = default;
};

struct ProbeTargetResult {
  std::optional<ProbeTarget> target;
  std::string error;  // when !target: what is wrong and how to write it instead
};

// "127.0.0.1:5432", "[::1]:5432", "localhost:5432", ":5432" or "5432" (the
// last two mean 127.0.0.1).
ProbeTargetResult ParseTcpTarget(std::string_view text);

// "http://127.0.0.1:8080/healthz", "http://localhost/", "http://[::1]:8080/x?y=1",
// or the short form ":8080/healthz" (127.0.0.1). The port defaults to 80 and
// the path to "/"; a #fragment is dropped (it is never sent). https:// is
// rejected: tend has no TLS.
ProbeTargetResult ParseHttpTarget(std::string_view text);

}  // namespace spec
