// Metrics: tend's state as Prometheus text exposition (format 0.0.4), for
// the /metrics endpoint. Pure: the caller gathers the numbers (each
// service's core::ServiceView, os/proc_stats.h) and this only renders them.
//
// Each family is written as one block with its `# HELP` and `# TYPE` once,
// per-service samples labelled {service="name"}. A sample whose value is
// unknown (nullopt) is left out rather than faked, and a family with no
// samples at all is left out entirely (the format allows either; empty
// blocks are only noise).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace http {

struct ServiceMetrics {
  std::string name;
  bool up = false;
  bool ready = false;
  std::optional<bool> healthy;  // nullopt: the service has no liveness probe
  int64_t restarts = 0;
  std::optional<int> last_exit_code;         // exit code, or 128+signal; nullopt before any exit
  std::optional<double> start_time_seconds;  // Unix time of the current process
  std::optional<double> cpu_seconds;         // user+system of the main process
  std::optional<int64_t> rss_bytes;
  int64_t processes = 0;             // every process it owns: main, adopted, their descendants
  std::vector<std::string> sockets;  // its `listen` addresses
};

struct TendMetrics {
  std::vector<ServiceMetrics> services;
  int64_t rss_bytes = 0;
  int64_t open_fds = 0;
  std::optional<double> cpu_seconds;  // process_cpu_seconds_total, when known
  uint64_t loop_iterations = 0;
  // /dev/log messages written as lines, dropped over a sender's rate, cut.
  uint64_t syslog_messages = 0, syslog_dropped = 0, syslog_truncated = 0;
  double start_time_seconds = 0;  // Unix time tend started
  std::string version;
};

// The Content-Type of RenderMetrics' output.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderMetrics(const TendMetrics& metrics);

// Exposed for tests: a label value with \, " and newline escaped.
std::string EscapeLabelValue(std::string_view value);
// A sample value as Prometheus reads it: shortest round-trip decimal,
// "NaN", "+Inf", "-Inf".
std::string FormatSampleValue(double value);

}  // namespace http
