// ControlHandler: tendctl's requests, answered in the event loop. It owns
// the control socket (ctl::Server), checks every request whole (each name
// must exist) before anything changes, turns start/stop/restart/signal/
// shutdown into Supervisor::Control calls through the Runner, and answers
// status, health, wait and logs from the services' views and output.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/event_feed.h"
#include "app/output_router.h"
#include "app/plan.h"
#include "app/service_views.h"
#include "ctl/server.h"

namespace app {

class ControlHandler {
 public:
  struct Loop {  // what it asks of the Runner
    std::function<void(core::Supervisor::ControlOp, size_t i, int sig)> control;
    std::function<std::optional<std::string>()> reload;  // the reason when rejected
    std::function<void()> settle;                        // handle what requests caused
    std::function<void(core::LogLevel, const std::string&)> log;
  };

  ControlHandler(os::Epoll& epoll, const ServiceViews& views, OutputRouter& output,
                 EventFeed& events, Loop loop);
  // Opens the control socket. A path given explicitly that cannot be made
  // is an error (tend does not start); the default path falls back to an
  // abstract socket (os/abstract_socket.h: a read-only or missing /run),
  // and when that is taken too, tend says so and runs on without tendctl.
  base::Status Start(const Plan& plan);
  void Poll(base::TimePoint now);  // answers waits the last events satisfied
  std::optional<base::TimePoint> NextDeadline() const;

 private:
  ctl::Host MakeHost();
  base::Status Listen(const std::string& path, std::optional<gid_t> group);
  base::Status Fallback(const Plan& plan, const std::string& why);
  void Subscribe();  // events and output lines for the socket's followers
  std::string Handle(const ctl::Request& r);
  std::string NotReady(const std::vector<std::string>& names, std::string* error) const;

  os::Epoll& epoll_;
  const ServiceViews& views_;
  OutputRouter& output_;
  EventFeed& events_;
  Loop loop_;
  std::unique_ptr<ctl::Server> server_;
};

}  // namespace app
