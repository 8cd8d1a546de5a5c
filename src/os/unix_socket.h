// Unix sockets at a path: the control channel's listening socket with a
// file mode, accepted clients (non-blocking), and peer credentials; the
// same claim-without-stealing rule for any socket tend binds at a path.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

struct PeerCred {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Binds and listens at `path`, chmod `mode`; the fd is non-blocking and
// close-on-exec. A stale socket there (nobody accepts on it) is replaced;
// anything else is an error: a file that is no socket is never removed,
// and a socket someone still listens on (a second tend) is left alone.
base::Result<base::UniqueFd> ListenUnix(const std::string& path, mode_t mode);
// The same for any `type` (SOCK_STREAM sockets also listen); `what` names
// the setting an error tells the user to change ("syslog socket").
base::Result<base::UniqueFd> BindUnix(const std::string& path, int type, mode_t mode,
                                      const std::string& what);

// Which file a path is, so that tend removes at exit only the socket it
// bound itself (not one a later tend put there).
struct SocketId {
  dev_t dev = 0;
  ino_t ino = 0;
};
SocketId SocketIdentity(const std::string& path);
void RemoveOwnSocket(const std::string& path, SocketId id);
base::Result<PeerCred> PeerCredentials(int fd);

// What came beside a received datagram: its sender's credentials
// (SO_PASSCRED; pid 0 when none came) and the fds passed with it
// (SCM_RIGHTS; close-on-exec when received with MSG_CMSG_CLOEXEC), owned
// by the caller, closed when it drops them.
struct Ancillary {
  PeerCred cred;
  std::vector<base::UniqueFd> fds;
};
Ancillary TakeAncillary(msghdr& msg);
// Connects (blocking) to `path`, or to an abstract name (os/abstract_socket.h).
base::Result<base::UniqueFd> ConnectUnix(const std::string& path);
// Whether `uid` belongs to group `gid` (primary or supplementary), from
// /etc/passwd and /etc/group.
bool UserInGroup(uid_t uid, gid_t gid);

// Non-blocking receive of up to `max` bytes appended to `out`: the count
// (0 when nothing is there now), or nullopt at EOF or on an error.
std::optional<size_t> ReceiveSome(int fd, std::string& out, size_t max);

// No more output on this socket: the peer sees EOF, we can still read.
void ShutdownWrite(int fd);

// Non-blocking send; returns bytes written, 0 when it would block, -1 when
// the peer is gone.
ssize_t SendSome(int fd, const char* data, size_t size);

}  // namespace os
