#include "ctl/client.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/text.h"
#include "base/version.h"
#include "ctl/client_args.h"
#include "os/abstract_socket.h"
#include "os/pipe.h"
#include "os/unix_socket.h"

namespace ctl {
namespace {

using nlohmann::json;

int Usage(const std::string& why) {
  bool says_help = why.find("tendctl --help") != std::string::npos;
  std::fprintf(stderr, "tendctl: %s%s\n", why.c_str(), says_help ? "" : " (see tendctl --help)");
  return kUsage;
}

// Whoever holds tend's abstract name must be a process of this container
// (a pid in our PID namespace) run by root or by us: an abstract name can
// be bound by anyone in the network namespace, and tendctl must not report
// a squatter's "healthy".
std::optional<std::string> Untrusted(int fd) {
  auto cred = os::PeerCredentials(fd);
  if (!cred) return cred.Err().Describe();
  if (cred->pid == 0) return std::string("its holder is outside this PID namespace");
  if (cred->uid != 0 && cred->uid != getuid()) {
    return "its holder runs as uid " + std::to_string(cred->uid) + " (pid " +
           std::to_string(cred->pid) + "), neither root nor you";
  }
  return std::nullopt;
}

// The control socket: the one given, or the default path and, where that
// is missing or dead, the abstract socket tend falls back to on a
// read-only /run (docs/tendctl.md, Access).
base::Result<base::UniqueFd> Connect(const ClientArgs& a) {
  auto fd = os::ConnectUnix(a.control);
  if (fd || a.control_given) return fd;
  auto name = os::ControlFallbackName();
  if (!name) return fd;
  auto abstract = os::ConnectUnix(*name);
  if (!abstract) {
    return base::Error{fd.Err().Describe() + "; nor at " + os::Display(*name) +
                       " (is tend running in this container? --control PATH)"};
  }
  if (auto why = Untrusted(abstract->Get())) {
    return base::Error{"not trusting " + os::Display(*name) + ": " + *why};
  }
  return abstract;
}

// Reads one line from fd into `line`; false at EOF or error.
bool ReadLine(int fd, std::string& buffer, std::string& line) {
  for (;;) {
    size_t nl = buffer.find('\n');
    if (nl != std::string::npos) {
      line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      return true;
    }
    if (os::ReadAvailable(fd, buffer, 65536) == 0) return false;  // EOF or an error
  }
}

std::string Cell(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

void PrintStatus(const json& reply) {
  std::vector<std::vector<std::string>> rows = {{"NAME", "STATE", "READY", "HEALTH", "PID", "PROCS",
                                                 "UPTIME", "RESTARTS", "LAST EXIT", "LISTEN"}};
  for (const json& s : reply["services"]) {
    double up = s.value("uptime", 0.0);
    std::string uptime = up > 0 ? base::FormatDuration(std::chrono::duration_cast<base::Duration>(
                                      std::chrono::duration<double>(up)))
                                : "-";
    int pid = s.value("pid", 0);
    size_t procs = s.contains("pids") && s["pids"].is_array() ? s["pids"].size() : 0;
    std::string listen;
    for (const json& a : s.value("sockets", json::array())) {
      listen += (listen.empty() ? "" : " ") + Cell(a);
    }
    rows.push_back({Cell(s["name"]), Cell(s["state"]), s.value("ready", false) ? "yes" : "no",
                    Cell(s.value("health", json())), pid ? std::to_string(pid) : "-",
                    procs ? std::to_string(procs) : "-", uptime,
                    std::to_string(s.value("restarts", 0)), Cell(s["last_exit"]),
                    listen.empty() ? "-" : listen});
  }
  // LISTEN only where a service holds sockets: the usual table stays as it was.
  if (std::all_of(rows.begin() + 1, rows.end(), [](const auto& r) { return r.back() == "-"; })) {
    for (auto& r : rows) r.pop_back();
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
    }
    std::puts(line.c_str());
  }
}

// One line: healthy, or every service that is not, and why.
int PrintHealth(const json& reply, bool quiet) {
  bool healthy = reply.value("healthy", false);
  std::string bad;
  size_t count = 0;
  for (const json& s : reply["services"]) {
    ++count;
    if (s.value("ok", false)) continue;
    bad += (bad.empty() ? "" : "; ") + s.value("name", "?") + ": " + s.value("why", "?");
  }
  if (!quiet) {
    if (healthy) {
      std::printf("healthy: %zu service%s running and ready\n", count, count == 1 ? "" : "s");
    } else {
      std::printf("unhealthy: %s\n", bad.c_str());
    }
  }
  return healthy ? kOk : kUnhealthy;
}

// A line of the service asked for as it was written; of a group's
// instance (`instances`), after the instance's name, as tend prefixes it.
void PrintLogLine(const json& l, const std::string& asked) {
  std::FILE* out = l.value("stream", "") == "stderr" ? stderr : stdout;
  std::string service = l.value("service", "");
  if (service == asked) {
    std::fprintf(out, "%s\n", l.value("line", "").c_str());
  } else {
    std::fprintf(out, "%s | %s\n", service.c_str(), l.value("line", "").c_str());
  }
  std::fflush(out);
}

// One event in words: "19:10:00.123 web exited: killed by SIGKILL after 3.2s (pid 41)",
// then an exit's last lines of output, indented.
void PrintEvent(const json& e) {
  auto text = [&](const char* k) { return e.contains(k) ? Cell(e[k]) : std::string(); };
  std::string time = text("time"), type = text("type");
  std::string line = (time.size() >= 23 ? time.substr(11, 12) : time) + " " +
                     (e.contains("service") ? text("service") : std::string("tend")) + " " + type;
  std::string detail;
  if (type == "exited") {
    detail = (e.contains("status") ? text("status") : std::string("ended")) + " after " +
             std::to_string(e.value("ran_ms", 0)) + " ms";
  } else if (type == "restarting") {
    detail = "in " + std::to_string(e.value("delay_ms", 0)) + " ms";
  } else if (type == "reload") {
    for (const char* k : {"added", "removed", "changed"}) {
      if (e.contains(k) && !e[k].empty())
        detail += (detail.empty() ? "" : "; ") + std::string(k) + " " + e[k].dump();
    }
  } else {
    detail = text("probe").empty() ? text("why") : text("probe") + ": " + text("why");
    if (type == "adopted") detail = "pid " + text("pids");
  }
  if (e.contains("pid") && type != "adopted")
    detail += (detail.empty() ? "pid " : " (pid ") + text("pid") + (detail.empty() ? "" : ")");
  std::printf("%s%s%s\n", line.c_str(), detail.empty() ? "" : ": ", detail.c_str());
  if (e.contains("last_lines")) {
    for (const json& l : e["last_lines"]) std::printf("    | %s\n", l.value("line", "").c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int ClientMain(const std::vector<std::string>& args) {
  ClientArgsResult parsed = ParseClientArgs(args, std::getenv("TEND_CONTROL"));
  if (parsed.error) return Usage(*parsed.error);
  const ClientArgs& a = parsed.args;
  if (a.help || a.version) {
    std::fputs(a.help ? ClientUsage().c_str() : (base::VersionLine("tendctl") + "\n").c_str(),
               stdout);
    return kOk;
  }
  auto fd = Connect(a);
  if (!fd) {
    std::fprintf(stderr, "tendctl: cannot reach tend: %s\n", fd.Err().Describe().c_str());
    return kUnreachable;
  }
  // Names come from argv, which may be any bytes: the same U+FFFD rule as
  // tend's own JSON (docs/protocol.md), rather than dump()'s exception.
  std::string request = a.request.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  // A failed send is not the end: tend may have answered (a refusal) and
  // hung up before reading it. Its reply says why.
  bool sent = os::SendSome(fd->Get(), request.data(), request.size()) ==
              static_cast<ssize_t>(request.size());
  std::string buffer, line;
  if (!ReadLine(fd->Get(), buffer, line)) {
    std::fprintf(stderr, "tendctl: %s\n",
                 sent ? "tend closed the connection without a reply" : "cannot send the request");
    return kUnreachable;
  }
  json reply = json::parse(line, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    std::fprintf(stderr, "tendctl: unreadable reply from tend\n");
    return kUnreachable;
  }
  if (a.as_json) {
    std::puts(line.c_str());
    std::fflush(stdout);  // with -f, the next line may be long in coming
  }
  if (!reply.value("ok", false)) {
    std::string error = reply.value("error", "unknown error");
    if (!a.as_json) std::fprintf(stderr, "tendctl: %s\n", error.c_str());
    return error.rfind("timeout", 0) == 0 ? kTimeout : kRefused;
  }
  std::string cmd = a.request["cmd"];
  if (!a.as_json && cmd == "status") PrintStatus(reply);
  if (cmd == "health") return PrintHealth(reply, a.as_json);
  if (cmd == "events") {
    while (ReadLine(fd->Get(), buffer, line)) {
      if (a.as_json) {
        std::puts(line.c_str());
        std::fflush(stdout);
        continue;
      }
      json j = json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.contains("event")) PrintEvent(j["event"]);
    }
  }
  if (cmd == "logs") {
    std::string asked = a.request["names"][0];
    if (!a.as_json) {
      for (const json& l : reply["lines"]) PrintLogLine(l, asked);
      if (reply.contains("note"))
        std::fprintf(stderr, "tendctl: %s\n", Cell(reply["note"]).c_str());
    }
    while (a.stream && ReadLine(fd->Get(), buffer, line)) {
      if (a.as_json) {
        std::puts(line.c_str());
        std::fflush(stdout);
        continue;
      }
      json j = json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.contains("line")) PrintLogLine(j["line"], asked);
    }
  }
  return kOk;
}

}  // namespace ctl
