// NotifySocket: the receiving end of systemd's sd_notify protocol, so a
// service built for Type=notify can tell tend it is ready. An AF_UNIX
// datagram socket named in NOTIFY_SOCKET; with SO_PASSCRED the kernel
// stamps every datagram with the sender's pid, uid and gid, which the
// caller uses to decide which service a message belongs to.
// Owned by the event loop: register fd() for EPOLLIN (level-triggered) and
// call ReceiveAll() when it is readable.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

struct NotifyDatagram {
  pid_t pid = 0;  // 0: no credentials came with it; the caller drops it
  uid_t uid = 0;
  gid_t gid = 0;
  std::string text;  // at most kMaxNotifyText bytes; longer datagrams are cut
  // Fds sent along (SCM_RIGHTS: FDSTORE=1), close-on-exec; closed with the
  // datagram unless the caller keeps them.
  std::vector<base::UniqueFd> fds;
};

// systemd's limit for a notification (NOTIFY_BUFFER_MAX is larger, but no
// real message comes near this).
constexpr size_t kMaxNotifyText = 4096;

class NotifySocket {
 public:
  // "@name" binds an abstract socket (no file, gone with the last fd, as
  // systemd's "@" convention); anything else is a file path, where a stale
  // socket is replaced and the mode is 0666 so a service that dropped to
  // another user can still send.
  static base::Result<NotifySocket> Open(const std::string& name);

  int fd() const { return fd_.Get(); }
  // The value for a service's NOTIFY_SOCKET: the name as given to Open().
  const std::string& Name() const { return name_; }
  // Reads waiting datagrams until EAGAIN, or at most kMaxBatch of them so a
  // flood cannot starve the loop (level-triggered epoll reports the rest).
  // File descriptors passed along (SCM_RIGHTS, e.g. FDSTORE=1) come with
  // their datagram.
  std::vector<NotifyDatagram> ReceiveAll();

  static constexpr size_t kMaxBatch = 64;

 private:
  NotifySocket(base::UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}
  bool ReceiveOne(NotifyDatagram& out);

  base::UniqueFd fd_;
  std::string name_;
};

}  // namespace os
