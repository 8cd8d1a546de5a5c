// Unix stream sockets for the control channel: a listening socket with a
// file mode, accepted clients (non-blocking), and peer credentials.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

struct PeerCred {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Binds and listens at `path` (a stale socket there is replaced), chmod
// `mode`; the fd is non-blocking and close-on-exec.
base::Result<base::UniqueFd> ListenUnix(const std::string& path, mode_t mode);
void RemoveSocket(const std::string& path);
// Accepts one client, non-blocking; invalid fd when none is waiting.
base::UniqueFd AcceptClient(int listen_fd);
base::Result<PeerCred> PeerCredentials(int fd);
// Connects (blocking) to `path`.
base::Result<base::UniqueFd> ConnectUnix(const std::string& path);
// Whether `uid` belongs to group `gid` (primary or supplementary), from
// /etc/passwd and /etc/group.
bool UserInGroup(uid_t uid, gid_t gid);

// Non-blocking send; returns bytes written, 0 when it would block, -1 when
// the peer is gone.
ssize_t SendSome(int fd, const char* data, size_t size);

}  // namespace os
