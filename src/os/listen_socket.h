// Listening sockets a service inherits (its `listen` list,
// config/socket_spec.h): bound by tend, as root, so that a service that
// runs as another user can still have port 80. Blocking and close-on-exec:
// os::Spawn clears close-on-exec where it places them, and a plain accept
// loop expects a blocking socket (a server that wants O_NONBLOCK sets it).
#pragma once

#include <sys/types.h>

#include "base/result.h"
#include "base/unique_fd.h"
#include "config/socket_spec.h"

namespace os {

// The kernel caps it at net.core.somaxconn; a burst while the service
// restarts waits in it instead of being refused.
inline constexpr int kListenBacklog = 4096;

// TCP: SO_REUSEADDR, listening. UDP: bound only. Unix: a stale socket file
// (nobody accepts on it) is replaced, anything else at the path is an
// error; the file gets its mode and owner before anyone can connect.
// Errors name the address: "listen tcp://*:80: bind: Address already in use".
base::Result<base::UniqueFd> BindSocket(const spec::SocketSpec& spec);

// A held unix socket's file gets `spec`'s mode and owner (a reload that
// changed only those keeps the socket).
base::Status SetSocketFileMode(const spec::SocketSpec& spec);

// The socket's inode number (what /proc/PID/fd shows as socket:[N]).
base::Result<ino_t> SocketInode(int fd);

}  // namespace os
