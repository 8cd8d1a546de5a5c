// EventFeed: where lifecycle events leave the loop. It numbers each event
// the Supervisor decided (one sequence, so that a client can tell it missed
// some), dates it, adds to an exit the service's last lines of output from
// the ring tend keeps, and hands the JSON to every sink: the control
// socket's followers (`tendctl events`), /events, hooks. Nothing is kept:
// an event nobody follows costs its formatting only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app/output_router.h"
#include "core/lifecycle_event.h"

namespace app {

class EventFeed {
 public:
  using Sink = std::function<void(const core::LifecycleEvent& e, const std::string& json)>;
  // An exit carries this many of the service's last lines.
  static constexpr size_t kLastLines = 10;

  explicit EventFeed(const OutputRouter& output) : output_(output) {}
  void AddSink(Sink sink) { sinks_.push_back(std::move(sink)); }
  void Publish(const core::LifecycleEvent& e);
  uint64_t LastSeq() const { return seq_; }

 private:
  const OutputRouter& output_;
  std::vector<Sink> sinks_;
  uint64_t seq_ = 0;
};

}  // namespace app
