#include "http/metrics.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <regex>
#include <sstream>

namespace http {
namespace {

TendMetrics Small() {
  TendMetrics m;
  ServiceMetrics web;
  web.name = "web";
  web.up = true;
  web.ready = true;
  web.healthy = true;
  web.restarts = 2;
  web.last_exit_code = 137;
  web.start_time_seconds = 1700000000.5;
  web.cpu_seconds = 1.25;
  web.rss_bytes = 4096;
  web.processes = 3;
  ServiceMetrics job;
  job.name = "job";
  m.services = {web, job};
  m.rss_bytes = 1048576;
  m.open_fds = 12;
  m.loop_iterations = 345;
  m.syslog_messages = 12;
  m.syslog_dropped = 3;
  m.syslog_truncated = 1;
  m.start_time_seconds = 1699999999;
  m.version = "0.1.0";
  return m;
}

TEST(HttpMetrics, RendersTheExactText) {
  EXPECT_EQ(
      RenderMetrics(Small()),
      R"(# HELP tend_service_up Whether the service's process (or adopted daemon) is running (1) or not (0).
# TYPE tend_service_up gauge
tend_service_up{service="web"} 1
tend_service_up{service="job"} 0
# HELP tend_service_ready Whether the service is ready (1) or not (0).
# TYPE tend_service_ready gauge
tend_service_ready{service="web"} 1
tend_service_ready{service="job"} 0
# HELP tend_service_healthy Last liveness probe result: healthy (1) or not (0); absent without a probe.
# TYPE tend_service_healthy gauge
tend_service_healthy{service="web"} 1
# HELP tend_service_restarts_total Times tend has restarted the service.
# TYPE tend_service_restarts_total counter
tend_service_restarts_total{service="web"} 2
tend_service_restarts_total{service="job"} 0
# HELP tend_service_last_exit_code Exit code of the service's last exit; 128+N when killed by signal N.
# TYPE tend_service_last_exit_code gauge
tend_service_last_exit_code{service="web"} 137
# HELP tend_service_start_time_seconds Start time of the service's current process since the Unix epoch in seconds.
# TYPE tend_service_start_time_seconds gauge
tend_service_start_time_seconds{service="web"} 1700000000.5
# HELP tend_service_processes Processes the service owns: its main process, what its command left, and their descendants.
# TYPE tend_service_processes gauge
tend_service_processes{service="web"} 3
tend_service_processes{service="job"} 0
# HELP tend_service_cpu_seconds_total User and system CPU time of every process the service owns in seconds.
# TYPE tend_service_cpu_seconds_total counter
tend_service_cpu_seconds_total{service="web"} 1.25
# HELP tend_service_resident_memory_bytes Resident memory of every process the service owns in bytes.
# TYPE tend_service_resident_memory_bytes gauge
tend_service_resident_memory_bytes{service="web"} 4096
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1048576
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 12
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1699999999
# HELP tend_event_loop_iterations_total Iterations of tend's event loop.
# TYPE tend_event_loop_iterations_total counter
tend_event_loop_iterations_total 345
# HELP tend_syslog_messages_total Syslog messages received on tend's /dev/log and written as lines.
# TYPE tend_syslog_messages_total counter
tend_syslog_messages_total 12
# HELP tend_syslog_dropped_total Syslog messages dropped because their sender exceeded its rate limit.
# TYPE tend_syslog_dropped_total counter
tend_syslog_dropped_total 3
# HELP tend_syslog_truncated_total Syslog messages cut because their datagram was longer than tend reads.
# TYPE tend_syslog_truncated_total counter
tend_syslog_truncated_total 1
# HELP tend_build_info tend's version as a label; the value is always 1.
# TYPE tend_build_info gauge
tend_build_info{version="0.1.0"} 1
)");
}

TEST(HttpMetrics, EscapesLabelValues) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  TendMetrics m;
  m.services.emplace_back().name = "we\"ird\n\\name";
  m.version = "1.0\"";
  std::string text = RenderMetrics(m);
  EXPECT_NE(text.find("tend_service_up{service=\"we\\\"ird\\n\\\\name\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("tend_build_info{version=\"1.0\\\"\"} 1\n"), std::string::npos);
}

TEST(HttpMetrics, FormatsValuesAsPrometheusReadsThem) {
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(0.1), "0.1");
  EXPECT_EQ(FormatSampleValue(-2.5), "-2.5");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(HttpMetrics, WithProcessCpuTime) {
  TendMetrics m = Small();
  m.cpu_seconds = 0.5;
  EXPECT_NE(RenderMetrics(m).find("# TYPE process_cpu_seconds_total counter\n"
                                  "process_cpu_seconds_total 0.5\n"),
            std::string::npos);
}

// Every line is a HELP, a TYPE or a sample as the 0.0.4 grammar has them,
// each family's HELP and TYPE appear once, before its samples, and a
// family's samples are contiguous.
TEST(HttpMetrics, EveryLineIsAValidExpositionLine) {
  TendMetrics m = Small();
  m.cpu_seconds = 3;
  ServiceMetrics& odd = m.services.emplace_back();
  odd.name = "q\"\\\n";
  odd.healthy = false;
  odd.cpu_seconds = 1e300;
  std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]*)");
  std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"\})? )"
      R"(([-+]?[0-9.]+(e[-+]?[0-9]+)?|NaN|[-+]Inf))");
  std::string text = RenderMetrics(m);
  ASSERT_EQ(text.back(), '\n');
  std::istringstream lines(text);
  std::string line, family;
  std::map<std::string, int> helps, types, blocks;
  std::smatch match;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, match, help)) {
      ++helps[match[1]];
    } else if (std::regex_match(line, match, type)) {
      ++types[match[1]];
      EXPECT_EQ(helps[match[1]], 1) << line;
      family = match[1];
      ++blocks[family];
    } else {
      ASSERT_TRUE(std::regex_match(line, match, sample)) << line;
      EXPECT_EQ(match[1], family) << line;
    }
  }
  for (const auto& [name, n] : types) EXPECT_EQ(n, 1) << name;
  for (const auto& [name, n] : blocks) EXPECT_EQ(n, 1) << name;
  EXPECT_EQ(types.size(), 18u);
}

}  // namespace
}  // namespace http

namespace http {
namespace {

TEST(HttpMetrics, HeldSocketsOneSampleEach) {
  TendMetrics m;
  ServiceMetrics web;
  web.name = "web";
  web.sockets = {"tcp://*:80", "unix:/run/web.sock"};
  m.services = {web};
  std::string text = RenderMetrics(m);
  EXPECT_NE(
      text.find("# TYPE tend_service_listen_socket gauge\n"
                "tend_service_listen_socket{service=\"web\",address=\"tcp://*:80\"} 1\n"
                "tend_service_listen_socket{service=\"web\",address=\"unix:/run/web.sock\"} 1\n"),
      std::string::npos)
      << text;
  m.services[0].sockets.clear();
  EXPECT_EQ(RenderMetrics(m).find("tend_service_listen_socket"), std::string::npos);
}

}  // namespace
}  // namespace http
