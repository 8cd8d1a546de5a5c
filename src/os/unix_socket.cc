#include "os/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/files.h"
#include "spec/passwd.h"

namespace os {
namespace {

base::Result<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return base::Error{"socket path too long or empty: " + path, ENAMETOOLONG};
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

}  // namespace

base::Result<base::UniqueFd> ListenUnix(const std::string& path, mode_t mode) {
  auto addr = Address(path);
  if (!addr) return addr.Err();
  base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return base::Errno("socket");
  unlink(path.c_str());  // a socket left by an earlier tend in this container
  if (bind(fd.Get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) < 0) {
    return base::Errno("bind " + path);
  }
  if (chmod(path.c_str(), mode) < 0) return base::Errno("chmod " + path);
  if (listen(fd.Get(), 64) < 0) return base::Errno("listen " + path);
  return fd;
}

void RemoveSocket(const std::string& path) { unlink(path.c_str()); }

base::UniqueFd AcceptClient(int listen_fd) {
  return base::UniqueFd(accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
}

base::Result<PeerCred> PeerCredentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return base::Errno("SO_PEERCRED");
  return PeerCred{cred.pid, cred.uid, cred.gid};
}

base::Result<base::UniqueFd> ConnectUnix(const std::string& path) {
  auto addr = Address(path);
  if (!addr) return addr.Err();
  base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return base::Errno("socket");
  if (connect(fd.Get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) < 0) {
    return base::Errno("connect " + path);
  }
  return fd;
}

bool UserInGroup(uid_t uid, gid_t gid) {
  std::string passwd = ReadFile("/etc/passwd").value_or("");
  std::string group = ReadFile("/etc/group").value_or("");
  auto user = spec::FindUser(passwd, std::to_string(uid));
  if (!user) return false;
  if (user->gid == gid) return true;
  for (gid_t g : spec::GroupsOfUser(group, user->name)) {
    if (g == gid) return true;
  }
  return false;
}

ssize_t SendSome(int fd, const char* data, size_t size) {
  ssize_t n = send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n >= 0) return n;
  if (errno == EAGAIN || errno == EINTR) return 0;
  return -1;
}

}  // namespace os
