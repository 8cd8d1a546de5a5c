// HttpEndpoint: http_listen's /healthz, /readyz and /metrics for
// Kubernetes and Prometheus, served in the event loop (http::Server) and
// answered from the services' views, as tendctl's are, and a few reads of
// /proc for CPU and memory; and /events, the lifecycle events as
// Server-Sent Events (an EventFeed sink).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/event_feed.h"
#include "app/service_views.h"
#include "app/syslog_intake.h"
#include "http/metrics.h"
#include "http/server.h"

namespace app {

class HttpEndpoint {
 public:
  // `loop_iterations` counts the loop's turns and `syslog` the messages
  // of /dev/log, for /metrics.
  HttpEndpoint(os::Epoll& epoll, const ServiceViews& views, const uint64_t& loop_iterations,
               const SyslogIntake::Counters& syslog, EventFeed& events,
               std::function<void(core::LogLevel, const std::string&)> log);
  // Before any service starts: a port the user asked for that cannot be
  // bound is a set-up error, not a probe that silently never answers.
  base::Status Start(const std::string& listen);
  void Poll(base::TimePoint now);  // drops clients past their deadline
  std::optional<base::TimePoint> NextDeadline() const;

 private:
  http::Response Answer(const http::Request& r);
  http::Response Readyz(bool all);
  http::Response Events(const std::string& query);
  void Publish(uint64_t seq, const core::LifecycleEvent& e, const std::string& json);
  http::TendMetrics GatherMetrics() const;

  os::Epoll& epoll_;
  const ServiceViews& views_;
  const uint64_t& loop_iterations_;
  const SyslogIntake::Counters& syslog_;
  std::function<void(core::LogLevel, const std::string&)> log_;
  int64_t started_wall_ms_ = 0;
  std::unique_ptr<http::Server> server_;
};

}  // namespace app
