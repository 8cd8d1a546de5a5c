#include "os/notify_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "os/unix_socket.h"

namespace os {
namespace {

constexpr size_t kMaxFds = 253;  // the kernel's SCM_MAX_FD per message
constexpr int kReceiveBuffer = 1 << 20;

// Room for the credentials and the most fds one message can carry, so no fd
// is left half-received (those that do not fit are dropped by the kernel).
union Control {
  cmsghdr align;
  char buf[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * kMaxFds)];
};

bool IsAbstract(const std::string& name) { return !name.empty() && name[0] == '@'; }

// An abstract name is sun_path[0] == 0 followed by the name's exact bytes,
// with the length covering just those (no trailing NUL): that is how
// sd_notify() addresses "@name", so any other length names another socket.
base::Result<socklen_t> Address(const std::string& name, sockaddr_un& addr) {
  addr.sun_family = AF_UNIX;
  bool abstract = IsAbstract(name);
  if ((!abstract && (name.empty() || name[0] != '/')) || name == "@") {
    return base::Error{"notify socket '" + name + "' must be an absolute path or @name", EINVAL};
  }
  if (name.size() + (abstract ? 0 : 1) > sizeof addr.sun_path) {
    return base::Error{"notify socket name too long: " + name, ENAMETOOLONG};
  }
  std::memcpy(addr.sun_path, name.data(), name.size());
  if (abstract) addr.sun_path[0] = '\0';
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (abstract ? 0 : 1));
}

}  // namespace

base::Result<NotifySocket> NotifySocket::Open(const std::string& name) {
  sockaddr_un addr{};
  auto len = Address(name, addr);
  if (!len) return len.Err();
  base::UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return base::Errno("socket");
  int one = 1;
  if (setsockopt(fd.Get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
    return base::Errno("SO_PASSCRED");
  // Best effort, as systemd does: room for a burst of notifications while
  // the loop is busy, so senders do not block in sd_notify().
  setsockopt(fd.Get(), SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
  if (!IsAbstract(name)) unlink(name.c_str());  // left by an earlier tend in this container
  if (bind(fd.Get(), reinterpret_cast<sockaddr*>(&addr), *len) < 0)
    return base::Errno("bind " + name);
  if (!IsAbstract(name) && chmod(name.c_str(), 0666) < 0) return base::Errno("chmod " + name);
  return NotifySocket(std::move(fd), name);
}

std::vector<NotifyDatagram> NotifySocket::ReceiveAll() {
  std::vector<NotifyDatagram> out;
  NotifyDatagram d;
  while (out.size() < kMaxBatch && ReceiveOne(d)) out.push_back(std::move(d));
  return out;
}

bool NotifySocket::ReceiveOne(NotifyDatagram& out) {
  char text[kMaxNotifyText];
  Control control;
  iovec iov{text, sizeof text};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  ssize_t n;
  // MSG_CMSG_CLOEXEC: a passed fd must not leak into a service spawned
  // before we get to close it.
  do {
    n = recvmsg(fd_.Get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return false;  // EAGAIN: drained; anything else: try on the next wake-up
  out = NotifyDatagram{};
  Ancillary extra = TakeAncillary(msg);
  out.pid = extra.cred.pid, out.uid = extra.cred.uid, out.gid = extra.cred.gid;
  out.fds = std::move(extra.fds);
  // A longer datagram is cut to the buffer (MSG_TRUNC says so); the rest is gone.
  out.text.assign(text, static_cast<size_t>(n));
  return true;
}

}  // namespace os
