#include "os/listen_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace os {
namespace {

using spec::SocketSpec;

base::Error Failed(const SocketSpec& s, const std::string& call) {
  return base::Errno("listen " + s.Address() + ": " + call);
}

base::Status BindIp(int fd, const SocketSpec& s, bool v6) {
  sockaddr_storage storage{};
  socklen_t len;
  const char* host = s.ip.host.c_str();
  auto port = htons(static_cast<uint16_t>(s.ip.port));
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = port;
    if (!s.ip.host.empty() && inet_pton(AF_INET6, host, &a->sin6_addr) != 1) errno = EINVAL;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = port;
    if (!s.ip.host.empty() && inet_pton(AF_INET, host, &a->sin_addr) != 1) errno = EINVAL;
    len = sizeof *a;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&storage), len) < 0) return Failed(s, "bind");
  return base::OkStatus();
}

base::Result<base::UniqueFd> Ip(const SocketSpec& s, bool v6) {
  bool tcp = s.kind == SocketSpec::Kind::kTcp;
  base::UniqueFd fd(
      socket(v6 ? AF_INET6 : AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
  if (!fd) return Failed(s, "socket");
  int one = 1, zero = 0;
  // A restarted tend binds while old connections sit in TIME_WAIT.
  if (setsockopt(fd.Get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
    return Failed(s, "SO_REUSEADDR");
  }
  // "Every interface" means IPv4 too, whatever the distribution's default.
  if (v6 && s.ip.host.empty() &&
      setsockopt(fd.Get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0) {
    return Failed(s, "IPV6_V6ONLY");
  }
  if (auto st = BindIp(fd.Get(), s, v6); !st) return st.Err();
  if (tcp && listen(fd.Get(), kListenBacklog) < 0) return Failed(s, "listen");
  return fd;
}

// A socket file left by a process that is gone may be replaced; one that
// someone accepts on, or any other file, is not tend's to remove.
base::Status RemoveStale(const SocketSpec& s, const sockaddr_un& a) {
  struct stat st {};
  if (lstat(s.path.c_str(), &st) < 0) {
    return errno == ENOENT ? base::OkStatus() : Failed(s, "lstat");
  }
  if (!S_ISSOCK(st.st_mode)) {
    return base::Error{"listen " + s.Address() + ": the path exists and is not a socket", EEXIST};
  }
  base::UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!probe) return Failed(s, "socket");
  if (connect(probe.Get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0 ||
      errno == EAGAIN) {
    return base::Error{"listen " + s.Address() + ": another process accepts on it", EADDRINUSE};
  }
  if (errno != ECONNREFUSED) return Failed(s, "connect (is it stale?)");
  if (unlink(s.path.c_str()) < 0) return Failed(s, "unlink of the stale socket");
  return base::OkStatus();
}

// Bound under umask 0777 (tend is single-threaded): nobody can connect
// before its mode and owner are set. Then listening.
base::Status BindUnix(int fd, const SocketSpec& s, const sockaddr_un& a) {
  mode_t old = umask(0777);
  int rc = bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  int err = errno;
  umask(old);
  errno = err;
  if (rc < 0) return Failed(s, "bind");
  base::Status st = base::OkStatus();
  if (chmod(s.path.c_str(), s.mode.value_or(0666 & ~old)) < 0) {
    st = Failed(s, "chmod");
  } else if ((s.uid || s.gid) &&
             chown(s.path.c_str(), s.uid.value_or(-1), s.gid.value_or(-1)) < 0) {
    st = Failed(s, "chown");
  } else if (listen(fd, kListenBacklog) < 0) {
    st = Failed(s, "listen");
  }
  if (!st) unlink(s.path.c_str());  // ours: bound just now
  return st;
}

base::Result<base::UniqueFd> Unix(const SocketSpec& s) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (s.path.size() >= sizeof a.sun_path) {
    return base::Error{"listen " + s.Address() + ": path too long", ENAMETOOLONG};
  }
  std::memcpy(a.sun_path, s.path.data(), s.path.size());
  base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Failed(s, "socket");
  if (auto st = RemoveStale(s, a); !st) return st.Err();
  if (auto st = BindUnix(fd.Get(), s, a); !st) return st.Err();
  return fd;
}

// Errors meaning "this kernel or container has no IPv6", not "port taken".
bool NoIpv6(int err) {
  return err == EAFNOSUPPORT || err == EADDRNOTAVAIL || err == EPROTONOSUPPORT;
}

}  // namespace

base::Result<base::UniqueFd> BindSocket(const SocketSpec& s) {
  if (s.kind == SocketSpec::Kind::kUnix) return Unix(s);
  if (!s.ip.host.empty()) return Ip(s, s.ip.ipv6);
  auto fd = Ip(s, true);
  if (fd || !NoIpv6(fd.Err().err)) return fd;
  return Ip(s, false);
}

base::Status SetSocketFileMode(const SocketSpec& s) {
  if (s.kind != SocketSpec::Kind::kUnix) return base::OkStatus();
  if (s.mode && chmod(s.path.c_str(), *s.mode) < 0) return Failed(s, "chmod");
  if ((s.uid || s.gid) && chown(s.path.c_str(), s.uid.value_or(-1), s.gid.value_or(-1)) < 0) {
    return Failed(s, "chown");
  }
  return base::OkStatus();
}

base::Result<ino_t> SocketInode(int fd) {
  struct stat st {};
  if (fstat(fd, &st) < 0) return base::Errno("fstat");
  return st.st_ino;
}

}  // namespace os
