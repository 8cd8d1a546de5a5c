#include "app/http_endpoint.h"

#include "base/version.h"
#include "ctl/protocol.h"
#include "os/proc_stats.h"
#include "os/process.h"
#include "os/timer_fd.h"

namespace app {
namespace {

http::Response Make(int status, std::string_view type, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = std::string(type);
  r.body = std::move(body);
  return r;
}

http::Response Text(int status, std::string body) {
  return Make(status, "text/plain; charset=utf-8", std::move(body));
}

double Seconds(int64_t unix_millis) { return static_cast<double>(unix_millis) / 1000.0; }

// CPU and memory of every process a service owns, summed.
void AddProcessStats(const std::vector<int>& pids, http::ServiceMetrics& sm) {
  for (int pid : pids) {
    os::ProcStats st = os::ReadProcStats(pid);
    if (st.cpu_seconds) sm.cpu_seconds = sm.cpu_seconds.value_or(0) + *st.cpu_seconds;
    if (st.rss_bytes) sm.rss_bytes = sm.rss_bytes.value_or(0) + *st.rss_bytes;
  }
}

}  // namespace

HttpEndpoint::HttpEndpoint(os::Epoll& epoll, const ServiceViews& views,
                           const uint64_t& loop_iterations, const SyslogIntake::Counters& syslog,
                           EventFeed& events,
                           std::function<void(core::LogLevel, const std::string&)> log)
    : epoll_(epoll),
      views_(views),
      loop_iterations_(loop_iterations),
      syslog_(syslog),
      log_(std::move(log)) {
  events.AddSink([this, &events](const core::LifecycleEvent& e, const std::string& json) {
    Publish(events.LastSeq(), e, json);
  });
}

base::Status HttpEndpoint::Start(const std::string& listen) {
  if (listen.empty()) return base::OkStatus();
  started_wall_ms_ = os::WallMillis();
  http::ServerConfig config;
  config.listen = listen;
  // Each line names its source once: the server's own lines say "http: "
  // already, lines from shared socket code do not.
  config.log = [this](const std::string& text) {
    log_(core::LogLevel::kWarn, text.rfind("http: ", 0) == 0 ? text : "http: " + text);
  };
  server_ = std::make_unique<http::Server>(epoll_, config,
                                           [this](const http::Request& r) { return Answer(r); });
  if (auto st = server_->Listen(); !st) {
    return base::Error{"http_listen " + listen + ": " + st.Err().Describe() +
                       " (choose another port, or set http_listen = \"\" to turn it off)"};
  }
  log_(core::LogLevel::kInfo, "serving /healthz, /readyz, /metrics and /events at " + listen);
  return base::OkStatus();
}

void HttpEndpoint::Poll(base::TimePoint now) {
  if (server_) server_->Poll(now);
}

std::optional<base::TimePoint> HttpEndpoint::NextDeadline() const {
  return server_ ? server_->NextDeadline() : std::nullopt;
}

http::Response HttpEndpoint::Answer(const http::Request& r) {
  if (r.path == "/healthz" || r.path == "/livez") return Text(200, "ok\n");
  if (r.path == "/readyz") return Readyz(r.query == "all" || r.query.find("all=") == 0);
  if (r.path == "/events") return Events(r.query);
  if (r.path == "/metrics") {
    return Make(200, http::kMetricsContentType, http::RenderMetrics(GatherMetrics()));
  }
  return Text(404, "not found: try /healthz, /readyz, /metrics or /events\n");
}

// Server-Sent Events: `tendctl events --json` as an EventSource stream,
// every service's or, with ?service=NAME, one's.
http::Response HttpEndpoint::Events(const std::string& query) {
  std::string service;
  if (query.rfind("service=", 0) == 0) service = query.substr(8);
  std::string error;
  if (!service.empty() && !views_.Resolve({service}, &error)) {
    return Text(404, "no service '" + service + "': /events?service=NAME, or /events for all\n");
  }
  http::Response r = Make(200, "text/event-stream", ": tend lifecycle events\n\n");
  r.stream = true;
  r.topic = service;
  return r;
}

// One event as an SSE message: its sequence number as the id, its type as
// the event name, its JSON as the data (one line: JSON has no raw newline).
void HttpEndpoint::Publish(uint64_t seq, const core::LifecycleEvent& e, const std::string& json) {
  if (!server_ || !server_->Streaming()) return;
  server_->Publish(e.name, views_.GroupOf(e.service),
                   "id: " + std::to_string(seq) + "\nevent: " + core::EventKindName(e.kind) +
                       "\ndata: " + json + "\n\n");
}

// The same verdict as `tendctl health`, with the same per-service detail.
http::Response HttpEndpoint::Readyz(bool all) {
  std::vector<core::ServiceView> judged = views_.Judge({}, all, os::Now());
  return Make(ctl::AllHealthy(judged) ? 200 : 503, "application/json", ctl::HealthReply(judged));
}

http::TendMetrics HttpEndpoint::GatherMetrics() const {
  http::TendMetrics m;
  int64_t wall = os::WallMillis();
  std::vector<core::ServiceView> views = views_.All(os::Now());
  ServiceViews::AddDescendants(views);
  for (const core::ServiceView& v : views) {
    http::ServiceMetrics sm;
    sm.name = v.name;
    sm.up = v.up;
    sm.ready = v.ready;
    sm.healthy = v.live;
    sm.restarts = v.restarts;
    sm.last_exit_code = v.last_exit_code;
    sm.processes = static_cast<int64_t>(v.pids.size());
    sm.sockets = v.sockets;
    if (v.up) {
      sm.start_time_seconds =
          Seconds(wall - std::chrono::duration_cast<base::milliseconds>(v.uptime).count());
      AddProcessStats(v.pids, sm);
    }
    m.services.push_back(std::move(sm));
  }
  os::ProcStats self = os::ReadProcStats(os::SelfPid());
  m.rss_bytes = self.rss_bytes.value_or(0);
  m.cpu_seconds = self.cpu_seconds;
  m.open_fds = os::CountOwnOpenFds().value_or(0);
  m.loop_iterations = loop_iterations_;
  m.syslog_messages = syslog_.messages;
  m.syslog_dropped = syslog_.dropped;
  m.syslog_truncated = syslog_.truncated;
  m.start_time_seconds = Seconds(started_wall_ms_);
  m.version = base::Version();
  return m;
}

}  // namespace app
