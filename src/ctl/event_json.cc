#include "ctl/event_json.h"

#include <chrono>

#include "base/signal_names.h"
#include "ctl/protocol.h"

namespace ctl {
namespace {

void Field(std::string& out, const char* key, const std::string& value) {
  out += std::string(",\"") + key + "\":";
  AppendJson(out, value);
}

void Field(std::string& out, const char* key, int64_t value) {
  out += std::string(",\"") + key + "\":" + std::to_string(value);
}

void List(std::string& out, const char* key, const std::vector<std::string>& items) {
  out += std::string(",\"") + key + "\":[";
  for (size_t k = 0; k < items.size(); ++k) {
    if (k) out += ",";
    AppendJson(out, items[k]);
  }
  out += "]";
}

int64_t Millis(base::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

void Status(std::string& out, const core::ExitStatus& s) {
  Field(out, "status", s.Describe());
  if (s.signaled) {
    Field(out, "signal", base::SignalName(s.value));
  } else {
    Field(out, "exit_code", s.value);
  }
}

}  // namespace

std::string EventJson(const core::LifecycleEvent& e, uint64_t seq, int64_t wall_ms,
                      const std::vector<std::string>& last_lines) {
  using K = core::EventKind;
  std::string out = "{\"seq\":" + std::to_string(seq);
  Field(out, "time", base::FormatUtc(wall_ms));
  Field(out, "type", core::EventKindName(e.kind));
  if (e.kind != K::kReload) Field(out, "service", e.name);
  if (e.pid > 0) Field(out, "pid", e.pid);
  if (!e.pids.empty()) Field(out, "pids", e.pids);
  if (e.status) Status(out, *e.status);
  if (e.kind == K::kExited) Field(out, "ran_ms", Millis(e.ran));
  if (e.delay) Field(out, "delay_ms", Millis(*e.delay));
  if (!e.probe.empty()) Field(out, "probe", e.probe);
  if (!e.why.empty()) Field(out, "why", e.why);
  if (e.kind == K::kReload) {
    List(out, "added", e.added);
    List(out, "removed", e.removed);
    List(out, "changed", e.changed);
  }
  if (e.kind == K::kExited) {
    out += ",\"last_lines\":[";
    for (size_t k = 0; k < last_lines.size(); ++k) out += (k ? "," : "") + last_lines[k];
    out += "]";
  }
  return out + "}";
}

}  // namespace ctl
