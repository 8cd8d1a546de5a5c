#include "ctl/protocol.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "base/text.h"
#include "config/service_spec.h"
#include "logs/json_string.h"

namespace ctl {
namespace {

using nlohmann::json;

struct Known {
  const char* name;
  Command cmd;
};
constexpr Known kCommands[] = {
    {"status", Command::kStatus},     {"start", Command::kStart},   {"stop", Command::kStop},
    {"restart", Command::kRestart},   {"signal", Command::kSignal}, {"reload", Command::kReload},
    {"shutdown", Command::kShutdown}, {"logs", Command::kLogs},     {"wait", Command::kWait},
    {"health", Command::kHealth},     {"events", Command::kEvents}};

bool NeedsNames(Command c) {
  return c == Command::kStart || c == Command::kStop || c == Command::kRestart ||
         c == Command::kSignal || c == Command::kLogs || c == Command::kWait;
}

std::string Names(const json& j, Request& r) {
  if (!j.contains("names")) return NeedsNames(r.cmd) ? "'names' is required" : "";
  const json& n = j["names"];
  if (!n.is_array()) return "'names' must be an array of strings";
  for (const json& e : n) {
    if (!e.is_string() || e.get_ref<const std::string&>().empty()) {
      return "'names' must be an array of non-empty strings";
    }
    const auto& name = e.get_ref<const std::string&>();
    if (name.size() > spec::kMaxNameBytes) {
      return "service name '" + base::Printable(name, 32) + "' is " + std::to_string(name.size()) +
             " bytes: no service has a name longer than " + std::to_string(spec::kMaxNameBytes);
    }
    r.names.push_back(name);
  }
  if (NeedsNames(r.cmd) && r.names.empty()) return "'names' must not be empty";
  if (r.cmd == Command::kLogs && r.names.size() != 1) return "'logs' takes exactly one name";
  return "";
}

std::string Options(const json& j, Request& r) {
  static const char* const kAllowed[] = {"v",     "cmd",    "names",   "signal",
                                         "lines", "follow", "timeout", "all"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const char* k : kAllowed) known = known || it.key() == k;
    if (!known) return "unknown field '" + it.key() + "'";
  }
  if (r.cmd == Command::kSignal) {
    if (!j.contains("signal") || !j["signal"].is_string())
      return "'signal' must be a string like \"HUP\"";
    r.signal = j["signal"].get<std::string>();
  }
  if (j.contains("lines")) {
    if (!j["lines"].is_number_integer() || j["lines"].get<long long>() < 0 ||
        j["lines"].get<long long>() > 100000) {
      return "'lines' must be an integer from 0 to 100000";
    }
    r.lines = static_cast<int>(j["lines"].get<long long>());
  }
  if (j.contains("follow")) {
    if (!j["follow"].is_boolean()) return "'follow' must be true or false";
    r.follow = j["follow"].get<bool>();
  }
  if (j.contains("all")) {
    if (!j["all"].is_boolean()) return "'all' must be true or false";
    r.all = j["all"].get<bool>();
  }
  if (j.contains("timeout")) {
    if (!j["timeout"].is_number() || j["timeout"].get<double>() < 0 ||
        j["timeout"].get<double>() > 86400) {
      return "'timeout' must be a number of seconds from 0 to 86400";
    }
    r.timeout = j["timeout"].get<double>();
  }
  return "";
}

}  // namespace

ParseResult ParseRequest(std::string_view line) {
  if (line.size() > kMaxRequest) return {std::nullopt, "request too long"};
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return {std::nullopt, "not valid JSON"};
  if (!j.is_object()) return {std::nullopt, "a request must be a JSON object"};
  if (!j.contains("v") || !j["v"].is_number_integer())
    return {std::nullopt, "'v' (protocol version) is required"};
  if (j["v"].get<long long>() != kVersion) {
    return {std::nullopt, "unsupported protocol version " +
                              std::to_string(j["v"].get<long long>()) + " (this tend speaks 1)"};
  }
  if (!j.contains("cmd") || !j["cmd"].is_string()) return {std::nullopt, "'cmd' must be a string"};
  const auto& cmd = j["cmd"].get_ref<const std::string&>();
  Request r;
  bool found = false;
  for (const Known& k : kCommands) {
    if (cmd == k.name) {
      r.cmd = k.cmd;
      found = true;
    }
  }
  if (!found) return {std::nullopt, "unknown command '" + cmd + "'"};
  if (std::string e = Names(j, r); !e.empty()) return {std::nullopt, e};
  if (std::string e = Options(j, r); !e.empty()) return {std::nullopt, e};
  return {r, ""};
}

const char* CommandName(Command cmd) {
  for (const Known& k : kCommands) {
    if (k.cmd == cmd) return k.name;
  }
  return "?";
}

void AppendJson(std::string& out, std::string_view s) { logs::AppendJsonString(out, s); }

std::string ErrorReply(const std::string& message) {
  std::string out = R"({"v":1,"ok":false,"error":)";
  AppendJson(out, message);
  out += "}\n";
  return out;
}

std::string OkReply() { return "{\"v\":1,\"ok\":true}\n"; }

namespace {

void AppendView(std::string& out, const core::ServiceView& v) {
  out += "{\"name\":";
  AppendJson(out, v.name);
  if (v.instance > 0) {
    out += ",\"group\":";
    AppendJson(out, v.group);
    out += ",\"instance\":" + std::to_string(v.instance);
  }
  out += R"(,"state":")" + v.state + "\"";
  out += ",\"pid\":" + std::to_string(v.pid);
  out += ",\"pids\":[";
  for (size_t p = 0; p < v.pids.size(); ++p) out += (p ? "," : "") + std::to_string(v.pids[p]);
  out += "]";
  out += ",\"uptime\":" + std::to_string(std::chrono::duration<double>(v.uptime).count());
  out += ",\"restarts\":" + std::to_string(v.restarts);
  out += ",\"last_exit\":";
  if (v.last_exit) {
    AppendJson(out, *v.last_exit);
  } else {
    out += "null";
  }
  out += ",\"daemon\":" + std::string(v.daemon ? "true" : "false");
  out += ",\"ready\":" + std::string(v.ready ? "true" : "false");
  out += R"(,"health":")" + v.health + "\"";
  if (!v.status.empty()) {
    out += ",\"status\":";
    AppendJson(out, v.status);
  }
  if (!v.sockets.empty()) {
    out += ",\"sockets\":[";
    for (size_t k = 0; k < v.sockets.size(); ++k) {
      if (k) out += ",";
      AppendJson(out, v.sockets[k]);
    }
    out += "]";
  }
  out += "}";
}

}  // namespace

std::string StatusReply(const std::vector<core::ServiceView>& views) {
  std::string out = R"({"v":1,"ok":true,"services":[)";
  for (size_t k = 0; k < views.size(); ++k) {
    if (k) out += ",";
    AppendView(out, views[k]);
  }
  return out + "]}\n";
}

bool AllHealthy(const std::vector<core::ServiceView>& judged) {
  for (const core::ServiceView& v : judged) {
    if (!v.healthy) return false;
  }
  return true;
}

std::string HealthReply(const std::vector<core::ServiceView>& judged) {
  std::string services;
  for (const core::ServiceView& v : judged) {
    services += services.empty() ? "{" : ",{";
    services += "\"name\":";
    AppendJson(services, v.name);
    services += ",\"ok\":" + std::string(v.healthy ? "true" : "false");
    if (!v.healthy) {
      services += ",\"why\":";
      AppendJson(services, v.why);
    }
    services += "}";
  }
  return R"({"v":1,"ok":true,"healthy":)" + std::string(AllHealthy(judged) ? "true" : "false") +
         ",\"services\":[" + services + "]}\n";
}

}  // namespace ctl
