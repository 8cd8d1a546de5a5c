#include "os/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "config/passwd.h"
#include "os/abstract_socket.h"
#include "os/files.h"

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

// What is at `path` before tend binds there: nothing, or a socket left by
// an earlier tend in this container (connecting is refused), is fine.
base::Status ClearStale(const std::string& path, const sockaddr_un& addr, int type,
                        const std::string& what) {
  struct stat st {};
  if (lstat(path.c_str(), &st) < 0) return base::OkStatus();
  if (!S_ISSOCK(st.st_mode)) {
    return base::Error{
        path + " exists and is not a socket; not replacing it (choose another " + what + " path)",
        EEXIST};
  }
  // Non-blocking: a live listener with a full backlog says EAGAIN, not hang.
  base::UniqueFd probe(socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  bool live =
      probe && (connect(probe.Get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 ||
                errno == EAGAIN);
  if (live) {
    return base::Error{"another process is bound to " + path +
                           "; not taking its socket (choose "
                           "another " +
                           what + " path)",
                       EADDRINUSE};
  }
  unlink(path.c_str());  // stale: whoever bound it is gone
  return base::OkStatus();
}

}  // namespace

// Bound under a temporary name, made listening and given its mode, then
// renamed into place: whoever sees the path can connect at once (a client
// that found the file between bind and listen got ECONNREFUSED).
base::Result<base::UniqueFd> BindUnix(const std::string& path, int type, mode_t mode,
                                      const std::string& what) {
  auto addr = Address(path);
  if (!addr) return addr.Err();
  std::string temp = path + ".new" + std::to_string(getpid());
  auto temp_addr = Address(temp);
  if (!temp_addr) temp_addr = addr;  // too long for a suffix: bind in place
  std::string bound = temp_addr->sun_path;
  base::UniqueFd fd(socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return base::Errno("socket");
  if (auto st = ClearStale(path, *addr, type, what); !st) return st.Err();
  unlink(bound.c_str());
  if (bind(fd.Get(), reinterpret_cast<sockaddr*>(&*temp_addr), sizeof *temp_addr) < 0) {
    return base::Errno("bind " + path);
  }
  auto fail = [&](const std::string& step) {
    base::Error e = base::Errno(step);
    unlink(bound.c_str());
    return e;
  };
  if (type == SOCK_STREAM && listen(fd.Get(), 64) < 0) return fail("listen " + path);
  if (chmod(bound.c_str(), mode) < 0) return fail("chmod " + path);
  if (bound != path && rename(bound.c_str(), path.c_str()) < 0) return fail("rename to " + path);
  return fd;
}

base::Result<base::UniqueFd> ListenUnix(const std::string& path, mode_t mode) {
  return BindUnix(path, SOCK_STREAM, mode, "control socket");
}

SocketId SocketIdentity(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) < 0) return {};
  return {st.st_dev, st.st_ino};
}

void RemoveOwnSocket(const std::string& path, SocketId id) {
  struct stat st {};
  if (lstat(path.c_str(), &st) < 0 || !S_ISSOCK(st.st_mode)) return;
  if (st.st_dev != id.dev || st.st_ino != id.ino) return;  // someone else's by now
  unlink(path.c_str());
}

void ShutdownWrite(int fd) { shutdown(fd, SHUT_WR); }

std::optional<size_t> ReceiveSome(int fd, std::string& out, size_t max) {
  size_t old = out.size();
  out.resize(old + max);
  ssize_t n;
  do {
    n = recv(fd, out.data() + old, max, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  out.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
  if (n > 0) return static_cast<size_t>(n);
  if (n < 0 && errno == EAGAIN) return 0;
  return std::nullopt;
}

Ancillary TakeAncillary(msghdr& msg) {
  Ancillary out;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_RIGHTS) {
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        out.fds.emplace_back(fd);
      }
    }
    if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(ucred))) {
      ucred cred;
      std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
      out.cred = {cred.pid, cred.uid, cred.gid};
    }
  }
  return out;
}

base::Result<PeerCred> PeerCredentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return base::Errno("SO_PEERCRED");
  return PeerCred{cred.pid, cred.uid, cred.gid};
}

base::Result<base::UniqueFd> ConnectUnix(const std::string& path) {
  sockaddr_un addr{};
  socklen_t len = sizeof addr;
  if (IsAbstract(path)) {  // exactly its bytes, as ListenAbstract binds it
    if (path.size() > sizeof addr.sun_path) return base::Error{"abstract name too long", EINVAL};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  } else {
    auto a = Address(path);
    if (!a) return a.Err();
    addr = *a;
  }
  base::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return base::Errno("socket");
  if (connect(fd.Get(), reinterpret_cast<sockaddr*>(&addr), len) < 0) {
    return base::Errno("connect " + Display(path));
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
