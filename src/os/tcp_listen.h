// TCP listening sockets for tend's HTTP endpoint: binding the user's
// `http_listen` address (parsed by config/listen_address.h) and accepting
// clients without blocking.
#pragma once

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "config/listen_address.h"

namespace os {

using spec::FormatListenAddress;
using spec::ListenAddress;
using spec::ParseListenAddress;

// A listening socket, non-blocking, close-on-exec, SO_REUSEADDR (so a
// restarted tend can bind while old connections sit in TIME_WAIT).
base::Result<base::UniqueFd> ListenTcp(const std::string& spec);
base::Result<base::UniqueFd> ListenTcp(const ListenAddress& address);

// The local port `fd` is bound to (to learn what port 0 picked).
base::Result<int> BoundPort(int fd);

}  // namespace os
