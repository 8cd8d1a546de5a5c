// SyslogSocket: the receiving end of /dev/log, where syslog(3), logger and
// every daemon that logs "to syslog" send one datagram per message. An
// AF_UNIX datagram socket at a path, writable by every user, with
// SO_PASSCRED so the kernel stamps each datagram with its sender's pid and
// uid (which tell the caller whose message it is).
//
// The path is claimed, never stolen: a socket some other process still
// receives on (a syslog daemon, a second tend) is left alone and Open()
// fails; a stale one (its owner gone) is replaced. On destruction the file
// is removed only while it is still the one this object bound.
// Owned by the event loop: register fd() for EPOLLIN and call Receive()
// when it is readable.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "os/unix_socket.h"

namespace os {

struct SyslogDatagram {
  pid_t pid = 0;  // 0: no credentials came with it
  uid_t uid = 0;
  std::string_view text;  // the first kMaxSyslogDatagram bytes; valid until the next Receive()
  size_t size = 0;        // the datagram's whole length (more than text.size() when cut)
};

class SyslogSocket {
 public:
  // rsyslog's default maxMessageSize: longer datagrams are cut here.
  static constexpr size_t kMaxSyslogDatagram = 8192;
  // Datagrams per Receive(): one recvmmsg(2) call.
  static constexpr size_t kBatch = 32;

  static base::Result<SyslogSocket> Open(const std::string& path);
  SyslogSocket(SyslogSocket&&) noexcept = default;
  SyslogSocket& operator=(SyslogSocket&&) noexcept = default;
  ~SyslogSocket();

  int fd() const { return fd_.Get(); }
  const std::string& path() const { return path_; }
  // The datagrams waiting now, at most kBatch (level-triggered epoll
  // reports the rest); empty when there are none. Fds passed along are
  // closed.
  const std::vector<SyslogDatagram>& Receive();

 private:
  SyslogSocket(base::UniqueFd fd, std::string path);

  base::UniqueFd fd_;
  std::string path_;
  SocketId id_;
  std::vector<char> buffers_;  // kBatch * kMaxSyslogDatagram, touched as far as data goes
  std::vector<SyslogDatagram> received_;
};

}  // namespace os
