// Runner, continued: the HTTP endpoint (http_listen) for Kubernetes and
// Prometheus: /healthz, /readyz and /metrics, answered from the state the
// event loop already holds and a few reads of /proc.
#include <unistd.h>

#include <algorithm>

#include "app/runner.h"
#include "ctl/protocol.h"
#include "http/metrics.h"
#include "os/proc_stats.h"

namespace app {
namespace {

http::Response Make(int status, std::string_view type, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = std::string(type);
  r.body = std::move(body);
  return r;
}

http::Response Json(int status, std::string body) {
  return Make(status, "application/json", std::move(body));
}

http::Response Text(int status, std::string body) {
  return Make(status, "text/plain; charset=utf-8", std::move(body));
}

double Seconds(int64_t unix_millis) { return static_cast<double>(unix_millis) / 1000.0; }

}  // namespace

// Before any service starts: a port the user asked for that cannot be
// bound is a set-up error, not a probe that silently never answers.
base::Status Runner::StartHttp() {
  if (plan_.http_listen.empty()) return base::OkStatus();
  http::ServerConfig config;
  config.listen = plan_.http_listen;
  // Each line names its source once: the server's own lines say "http: "
  // already, lines from shared socket code do not.
  config.log = [this](const std::string& text) {
    Log(core::LogLevel::kWarn, text.rfind("http: ", 0) == 0 ? text : "http: " + text);
  };
  http_ = std::make_unique<http::Server>(epoll_, config,
                                         [this](const http::Request& r) { return Answer(r); });
  if (auto st = http_->Listen(); !st) {
    return base::Error{"http_listen " + plan_.http_listen + ": " + st.Err().Describe() +
                       " (choose another port, or set http_listen = \"\" to turn it off)"};
  }
  Log(core::LogLevel::kInfo, "serving /healthz, /readyz and /metrics at " + plan_.http_listen);
  return base::OkStatus();
}

http::Response Runner::Answer(const http::Request& r) {
  if (r.path == "/healthz" || r.path == "/livez") return Text(200, "ok\n");
  if (r.path == "/readyz") return Readyz(r.query == "all" || r.query.find("all=") == 0);
  if (r.path == "/metrics") {
    return Make(200, http::kMetricsContentType, http::RenderMetrics(GatherMetrics()));
  }
  return Text(404, "not found: try /healthz, /readyz or /metrics\n");
}

// The same verdict as `tendctl health`, with the same per-service detail.
http::Response Runner::Readyz(bool all) {
  std::vector<size_t> which = HealthSet({}, all);
  bool healthy =
      std::all_of(which.begin(), which.end(), [this](size_t i) { return Unhealthy(i).empty(); });
  return Json(healthy ? 200 : 503, HealthReply(which));
}

http::TendMetrics Runner::GatherMetrics() const {
  http::TendMetrics m;
  base::TimePoint now = os::Now();
  int64_t wall = os::WallMillis();
  const auto& services = supervisor_.services();
  for (size_t i = 0; i < services.size(); ++i) {
    const core::ServiceRuntime& s = services[i];
    if (s.Retired()) continue;
    http::ServiceMetrics sm;
    sm.name = s.spec.name;
    sm.up = s.state == core::State::kRunning || s.state == core::State::kAdopted;
    sm.ready = supervisor_.Ready(i);
    if (s.spec.liveness && s.liveness.status != core::ProbeStatus::kUnknown) {
      sm.healthy = s.liveness.status == core::ProbeStatus::kPassing;
    }
    sm.restarts = s.Restarts();
    if (s.last_exit) sm.last_exit_code = s.last_exit->AsExitCode();
    if (sm.up) {
      sm.start_time_seconds = Seconds(
          wall - std::chrono::duration_cast<base::milliseconds>(now - s.started_at).count());
      AddProcessStats(i, sm);
    }
    m.services.push_back(std::move(sm));
  }
  os::ProcStats self = os::ReadProcStats(getpid());
  m.rss_bytes = self.rss_bytes.value_or(0);
  m.cpu_seconds = self.cpu_seconds;
  m.open_fds = os::CountOwnOpenFds().value_or(0);
  m.loop_iterations = loop_iterations_;
  m.start_time_seconds = Seconds(started_wall_ms_);
  m.version = TEND_VERSION;
  return m;
}

// CPU and memory of its main process and adopted daemons, summed.
void Runner::AddProcessStats(size_t i, http::ServiceMetrics& sm) const {
  if (i >= io_.size()) return;
  std::vector<int> pids;
  if (io_[i].pid > 0) pids.push_back(io_[i].pid);
  for (const Watched& w : io_[i].daemons) pids.push_back(w.pid);
  for (int pid : pids) {
    os::ProcStats st = os::ReadProcStats(pid);
    if (st.cpu_seconds) sm.cpu_seconds = sm.cpu_seconds.value_or(0) + *st.cpu_seconds;
    if (st.rss_bytes) sm.rss_bytes = sm.rss_bytes.value_or(0) + *st.rss_bytes;
  }
}

}  // namespace app
