// The control socket's fallback in the abstract namespace, for a tend whose
// /run is read-only (docker run --read-only) or missing (a scratch image).
// An abstract socket needs no file, vanishes with its last fd (so there is
// never a stale one to clear) and cannot be taken from whoever holds it.
// Its name is unique to one PID and mount namespace: tend and tendctl in one
// container compute the same name, two containers sharing a network
// namespace (--network host, a Kubernetes pod) do not clash. Names are
// strings that start with a NUL byte, as the kernel has them; Display shows
// them the way ss(8) does, with an @.
#pragma once

#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace os {

// "\0tend.control.<pid namespace inode>.<mount namespace inode>", from
// /proc/self/ns; nullopt when /proc is not mounted.
std::optional<std::string> ControlFallbackName();
bool IsAbstract(const std::string& name);
std::string Display(const std::string& name);  // "@tend.control...." or the path

// Binds and listens (non-blocking, close-on-exec). A name someone holds is
// EADDRINUSE, with a message that says so: it is never taken over.
base::Result<base::UniqueFd> ListenAbstract(const std::string& name);

}  // namespace os
