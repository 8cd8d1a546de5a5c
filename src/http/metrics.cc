#include "http/metrics.h"

#include <cmath>
#include <type_traits>

#include "base/format_double.h"

namespace http {
namespace {

// HELP text escapes only backslash and newline (format 0.0.4).
std::string EscapeHelp(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void Block(std::string& out, std::string_view name, std::string_view type, std::string_view help,
           const std::string& samples) {
  if (samples.empty()) return;
  out += "# HELP " + std::string(name) + " " + EscapeHelp(help) + "\n";
  out += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
  out += samples;
}

std::string Sample(std::string_view name, std::string_view labels, std::string_view value) {
  return std::string(name) + std::string(labels) + " " + std::string(value) + "\n";
}

// One family over all services; `value` gives a sample's text or nullopt.
template <typename ValueFn>
void ServiceFamily(std::string& out, const TendMetrics& m, std::string_view name,
                   std::string_view type, std::string_view help, ValueFn value) {
  std::string samples;
  for (const ServiceMetrics& s : m.services) {
    std::optional<std::string> v = value(s);
    if (v) samples += Sample(name, "{service=\"" + EscapeLabelValue(s.name) + "\"}", *v);
  }
  Block(out, name, type, help, samples);
}

std::string Bool(bool b) { return b ? "1" : "0"; }

template <typename T>
std::optional<std::string> Opt(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  if constexpr (std::is_same_v<T, double>)
    return FormatSampleValue(*v);
  else if constexpr (std::is_same_v<T, bool>)
    return Bool(*v);
  else
    return std::to_string(*v);
}

void RenderServices(std::string& out, const TendMetrics& m) {
  using S = ServiceMetrics;
  using Str = std::optional<std::string>;
  ServiceFamily(out, m, "tend_service_up", "gauge",
                "Whether the service's process (or adopted daemon) is running (1) or not (0).",
                [](const S& s) -> Str { return Bool(s.up); });
  ServiceFamily(out, m, "tend_service_ready", "gauge",
                "Whether the service is ready (1) or not (0).",
                [](const S& s) -> Str { return Bool(s.ready); });
  ServiceFamily(out, m, "tend_service_healthy", "gauge",
                "Last liveness probe result: healthy (1) or not (0); absent without a probe.",
                [](const S& s) { return Opt(s.healthy); });
  ServiceFamily(out, m, "tend_service_restarts_total", "counter",
                "Times tend has restarted the service.",
                [](const S& s) -> Str { return std::to_string(s.restarts); });
  ServiceFamily(out, m, "tend_service_last_exit_code", "gauge",
                "Exit code of the service's last exit; 128+N when killed by signal N.",
                [](const S& s) { return Opt(s.last_exit_code); });
  ServiceFamily(out, m, "tend_service_start_time_seconds", "gauge",
                "Start time of the service's current process since the Unix epoch in seconds.",
                [](const S& s) { return Opt(s.start_time_seconds); });
  ServiceFamily(out, m, "tend_service_processes", "gauge",
                "Processes the service owns: its main process, what its command left, and "
                "their descendants.",
                [](const S& s) -> Str { return std::to_string(s.processes); });
  ServiceFamily(out, m, "tend_service_cpu_seconds_total", "counter",
                "User and system CPU time of every process the service owns in seconds.",
                [](const S& s) { return Opt(s.cpu_seconds); });
  ServiceFamily(out, m, "tend_service_resident_memory_bytes", "gauge",
                "Resident memory of every process the service owns in bytes.",
                [](const S& s) { return Opt(s.rss_bytes); });
}

// One sample per held socket, labelled with its address: an info metric.
void RenderSockets(std::string& out, const TendMetrics& m) {
  std::string samples;
  for (const ServiceMetrics& s : m.services) {
    for (const std::string& a : s.sockets) {
      samples += Sample(
          "tend_service_listen_socket",
          "{service=\"" + EscapeLabelValue(s.name) + "\",address=\"" + EscapeLabelValue(a) + "\"}",
          "1");
    }
  }
  Block(out, "tend_service_listen_socket", "gauge",
        "A socket tend holds for the service and passes to it (its listen list); always 1.",
        samples);
}

// tend's own families use the names client libraries use for any process,
// so standard dashboards work.
void RenderSelf(std::string& out, const TendMetrics& m) {
  if (m.cpu_seconds) {
    Block(out, "process_cpu_seconds_total", "counter",
          "Total user and system CPU time spent in seconds.",
          Sample("process_cpu_seconds_total", "", FormatSampleValue(*m.cpu_seconds)));
  }
  Block(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
        Sample("process_resident_memory_bytes", "", std::to_string(m.rss_bytes)));
  Block(out, "process_open_fds", "gauge", "Number of open file descriptors.",
        Sample("process_open_fds", "", std::to_string(m.open_fds)));
  Block(out, "process_start_time_seconds", "gauge",
        "Start time of the process since unix epoch in seconds.",
        Sample("process_start_time_seconds", "", FormatSampleValue(m.start_time_seconds)));
  Block(out, "tend_event_loop_iterations_total", "counter", "Iterations of tend's event loop.",
        Sample("tend_event_loop_iterations_total", "", std::to_string(m.loop_iterations)));
  Block(out, "tend_syslog_messages_total", "counter",
        "Syslog messages received on tend's /dev/log and written as lines.",
        Sample("tend_syslog_messages_total", "", std::to_string(m.syslog_messages)));
  Block(out, "tend_syslog_dropped_total", "counter",
        "Syslog messages dropped because their sender exceeded its rate limit.",
        Sample("tend_syslog_dropped_total", "", std::to_string(m.syslog_dropped)));
  Block(out, "tend_syslog_truncated_total", "counter",
        "Syslog messages cut because their datagram was longer than tend reads.",
        Sample("tend_syslog_truncated_total", "", std::to_string(m.syslog_truncated)));
  Block(out, "tend_build_info", "gauge", "tend's version as a label; the value is always 1.",
        Sample("tend_build_info", "{version=\"" + EscapeLabelValue(m.version) + "\"}", "1"));
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return base::FormatDouble(value);
}

std::string RenderMetrics(const TendMetrics& metrics) {
  std::string out;
  RenderServices(out, metrics);
  RenderSockets(out, metrics);
  RenderSelf(out, metrics);
  return out;
}

}  // namespace http
