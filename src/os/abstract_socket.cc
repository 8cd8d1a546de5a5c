#include "os/abstract_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace os {
namespace {

std::optional<ino_t> NamespaceInode(const char* path) {
  struct stat st {};
  if (stat(path, &st) < 0) return std::nullopt;
  return st.st_ino;
}

}  // namespace

std::optional<std::string> ControlFallbackName() {
  auto pid = NamespaceInode("/proc/self/ns/pid");
  auto mnt = NamespaceInode("/proc/self/ns/mnt");
  if (!pid || !mnt) return std::nullopt;
  return std::string(1, '\0') + "tend.control." + std::to_string(*pid) + "." + std::to_string(*mnt);
}

bool IsAbstract(const std::string& name) { return !name.empty() && name[0] == '\0'; }

std::string Display(const std::string& name) {
  return IsAbstract(name) ? "@" + name.substr(1) : name;
}

base::Result<base::UniqueFd> ListenAbstract(const std::string& name) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!IsAbstract(name) || name.size() > sizeof addr.sun_path) {
    return base::Error{"not an abstract socket name: " + Display(name), EINVAL};
  }
  std::memcpy(addr.sun_path, name.data(), name.size());
  // The name is exactly its bytes: no padding NULs, or clients that give
  // the name's length would not meet us.
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return base::Errno("socket");
  if (bind(fd.Get(), reinterpret_cast<sockaddr*>(&addr), len) < 0) {
    if (errno == EADDRINUSE) {
      return base::Error{"the abstract socket " + Display(name) +
                             " is taken by another process (another tend in this PID and "
                             "mount namespace, or a squatter); not taking it",
                         EADDRINUSE};
    }
    return base::Errno("bind " + Display(name));
  }
  if (listen(fd.Get(), 64) < 0) return base::Errno("listen " + Display(name));
  return fd;
}

}  // namespace os
