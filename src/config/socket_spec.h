// SocketSpec: one entry of a service's `listen` list, a socket tend binds
// and hands to every instance of the service as fd 3, 4, ... (systemd's
// socket activation protocol, sd_listen_fds(3)). Pure: parsed and checked
// with the rest of the configuration; os/listen_socket.h binds it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

#include "base/result.h"
#include "config/listen_address.h"

namespace spec {

// A hostile list must not make tend hold thousands of sockets per service.
inline constexpr size_t kMaxListenSockets = 64;
// sockaddr_un's sun_path, its NUL excluded.
inline constexpr size_t kMaxUnixPath = 107;

struct SocketSpec {
  enum class Kind { kTcp, kUdp, kUnix };
  Kind kind = Kind::kTcp;
  ListenAddress ip;  // kTcp, kUdp; an empty host: every interface
  std::string path;  // kUnix: absolute
  // kUnix: the socket file's mode and owner, set before anyone can connect.
  std::optional<mode_t> mode;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::string name;  // its entry in LISTEN_FDNAMES; empty: the service's name

  // "tcp://127.0.0.1:80", "udp://[::1]:53", "unix:/run/app.sock": canonical,
  // for messages, status and as the identity a reload compares.
  std::string Address() const;
  bool operator==(const SocketSpec&) const = default;
};

// Parses "tcp://HOST:PORT", "tcp://[::1]:PORT", "tcp://:PORT" (every
// interface), the same with udp://, and "unix:/absolute/path". Errors say
// what is wrong and show the forms, e.g. "port 99999 out of range (1-65535)".
base::Result<SocketSpec> ParseSocketAddress(const std::string& text);

// A mode as written in `listen`: octal digits, "0660" or "660".
std::optional<mode_t> ParseSocketMode(const std::string& text);

}  // namespace spec
