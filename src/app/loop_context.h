// LoopContext: what every component of tend's event loop is given: the
// loop to register its fds with, the queue for the core events it learns
// (the Runner feeds them to the Supervisor in order), and tend's own log.
#pragma once

#include <deque>
#include <functional>
#include <string>

#include "core/supervisor.h"
#include "os/epoll.h"

namespace app {

struct LoopContext {
  os::Epoll& epoll;
  std::deque<core::Event>& events;
  std::function<void(core::LogLevel, const std::string&)> log;
};

}  // namespace app
