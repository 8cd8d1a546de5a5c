#include "os/syslog_socket.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace os {
namespace {

// Room for the credentials and a few fds (nobody passes fds to syslog; any
// that do come are closed, those that do not fit are dropped by the kernel).
union Control {
  cmsghdr align;
  char buf[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * 8)];
};

// A burst of messages (a daemon starting, a failed login storm) waits in
// the kernel while the loop is busy; best effort, as for sd_notify.
constexpr int kReceiveBuffer = 1 << 20;

}  // namespace

base::Result<SyslogSocket> SyslogSocket::Open(const std::string& path) {
  // 0666: services that dropped to another user log too.
  auto fd = BindUnix(path, SOCK_DGRAM, 0666, "syslog socket");
  if (!fd) return fd.Err();
  int one = 1;
  if (setsockopt(fd->Get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) {
    base::Error e = base::Errno("SO_PASSCRED");
    unlink(path.c_str());
    return e;
  }
  setsockopt(fd->Get(), SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
  return SyslogSocket(std::move(*fd), path);
}

SyslogSocket::SyslogSocket(base::UniqueFd fd, std::string path)
    : fd_(std::move(fd)), path_(std::move(path)), id_(SocketIdentity(path_)) {}

SyslogSocket::~SyslogSocket() {
  if (fd_) RemoveOwnSocket(path_, id_);
}

const std::vector<SyslogDatagram>& SyslogSocket::Receive() {
  received_.clear();
  if (buffers_.empty()) buffers_.resize(kBatch * kMaxSyslogDatagram);
  std::array<mmsghdr, kBatch> msgs{};
  std::array<iovec, kBatch> iovs{};
  std::array<Control, kBatch> controls;
  for (size_t i = 0; i < kBatch; ++i) {
    iovs[i] = {buffers_.data() + i * kMaxSyslogDatagram, kMaxSyslogDatagram};
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_control = controls[i].buf;
    msgs[i].msg_hdr.msg_controllen = sizeof controls[i].buf;
  }
  int n;
  // MSG_TRUNC: msg_len is each datagram's whole length, so a cut one says so.
  // MSG_CMSG_CLOEXEC: a passed fd must not leak into a service spawned
  // before it is closed.
  do {
    n = recvmmsg(fd_.Get(), msgs.data(), kBatch, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC,
                 nullptr);
  } while (n < 0 && errno == EINTR);
  for (int i = 0; i < n; ++i) {
    auto k = static_cast<size_t>(i);
    SyslogDatagram d;
    PeerCred cred = TakeAncillary(msgs[k].msg_hdr).cred;  // passed fds close here
    d.pid = cred.pid;
    d.uid = cred.uid;
    d.size = msgs[k].msg_len;
    d.text = std::string_view(buffers_.data() + k * kMaxSyslogDatagram,
                              std::min<size_t>(d.size, kMaxSyslogDatagram));
    received_.push_back(d);
  }
  return received_;
}

}  // namespace os
