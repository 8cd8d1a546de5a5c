// The control protocol: one JSON object per line, both ways, with a version
// field (docs/protocol.md). Parsing is pure and strict: anything malformed,
// unknown or wrongly typed becomes an error reply and changes nothing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/service_view.h"

namespace ctl {

inline constexpr int kVersion = 1;
inline constexpr size_t kMaxRequest = size_t{64} * 1024;  // bytes in one request line

enum class Command {
  kStatus,
  kStart,
  kStop,
  kRestart,
  kSignal,
  kReload,
  kShutdown,
  kLogs,
  kWait,
  kHealth,
  kEvents
};

struct Request {
  Command cmd = Command::kStatus;
  std::vector<std::string> names;  // "all" allowed where a list is; kEvents: a filter
  std::string signal;              // kSignal
  int lines = 50;                  // kLogs: how many recent lines
  bool follow = false;             // kLogs
  double timeout = 30;             // kWait, seconds
  bool all = false;                // kHealth: every service, not only the critical ones
};

struct ParseResult {
  std::optional<Request> request;
  std::string error;  // when !request
};

ParseResult ParseRequest(std::string_view line);
const char* CommandName(Command cmd);

// {"v":1,"ok":false,"error":"..."}\n
std::string ErrorReply(const std::string& message);
std::string OkReply();
// `status`: one object per service, from its view (docs/protocol.md).
std::string StatusReply(const std::vector<core::ServiceView>& views);
// `health` (and /readyz's body): the verdict over `judged`, and why not.
std::string HealthReply(const std::vector<core::ServiceView>& judged);
bool AllHealthy(const std::vector<core::ServiceView>& judged);
// Appends `s` as a JSON string literal.
void AppendJson(std::string& out, std::string_view s);

}  // namespace ctl
