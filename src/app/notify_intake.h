// NotifyIntake: systemd's NOTIFY_SOCKET for every service that speaks
// sd_notify: one abstract datagram socket with SO_PASSCRED, opened the
// first time a service needs it. Each datagram is traced to its service
// (core::NotifySender over the sender's credentials and lineage), parsed
// (core::ParseNotify) and queued as Notified; MAINPID= goes to Children,
// FDSTORE=1's fds to the FdStore.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "app/children.h"
#include "app/daemon_watch.h"
#include "app/fd_store.h"
#include "app/loop_context.h"
#include "core/notify_message.h"
#include "core/supervisor.h"
#include "os/notify_socket.h"

namespace app {

class NotifyIntake {
 public:
  // `warn(cause, text)`: tend's log, rate-limited per cause (anyone may
  // send floods to an abstract socket).
  NotifyIntake(LoopContext ctx, Children& children, const DaemonWatch& daemons,
               const core::Supervisor& supervisor, FdStore& store,
               std::function<void(const std::string&, const std::string&)> warn);

  // NOTIFY_SOCKET's value for a service; empty when the socket cannot be
  // made (the error is logged once).
  std::string SocketName();

 private:
  void Open();
  void OnReadable();
  void Store(size_t i, const core::NotifyMessage& m, std::vector<base::UniqueFd> fds);
  std::optional<size_t> Sender(const os::NotifyDatagram& d);

  LoopContext ctx_;
  Children& children_;
  const DaemonWatch& daemons_;
  const core::Supervisor& supervisor_;
  FdStore& store_;
  std::function<void(const std::string&, const std::string&)> warn_;
  std::optional<os::NotifySocket> socket_;
  os::IoWatch watch_;  // after socket_: unregistered before it closes
  bool failed_ = false;
};

}  // namespace app
