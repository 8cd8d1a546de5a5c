#include "logs/syslog_line.h"

#include <cctype>

#include "logs/json_string.h"
#include "logs/utf8.h"

namespace logs {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendHex(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// One message, one line: nothing in it may end the line or change the
// terminal; the original bytes stay readable. Runs of printable ASCII (all
// of most messages) are copied at once.
void AppendEscaped(std::string& out, std::string_view s) {
  while (!s.empty()) {
    size_t run = 0;
    while (run < s.size() && ((s[run] >= 0x20 && s[run] < 0x7f) || s[run] == '\t')) ++run;
    out.append(s.substr(0, run));
    s.remove_prefix(run);
    if (s.empty()) break;
    size_t n = Utf8CharLength(s);
    if (n == 0) {  // not UTF-8: each byte of the ill-formed sequence as \xNN
      n = Utf8InvalidLength(s);
      for (size_t i = 0; i < n; ++i) AppendHex(out, static_cast<unsigned char>(s[i]));
    } else if (n > 1) {
      out.append(s.substr(0, n));
    } else if (s[0] == '\n') {
      out += "\\n";
    } else if (s[0] == '\r') {
      out += "\\r";
    } else {
      AppendHex(out, static_cast<unsigned char>(s[0]));
    }
    s.remove_prefix(n);
  }
}

void AppendCutMark(std::string& out, size_t kept, size_t whole) {
  if (whole <= kept) return;
  out += " [cut: ";
  out += std::to_string(whole);
  out += " bytes sent]";
}

// sshd's "error: ...", a script's "WARNING: ...": the severity is said
// already when the message's first word names it.
bool SaysItsSeverity(std::string_view message, Severity severity) {
  size_t n = 0;
  while (n < message.size() && n < 16 && std::isalpha(static_cast<unsigned char>(message[n]))) ++n;
  std::string word(message.substr(0, n));
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  switch (severity) {
    case Severity::kEmerg: return word == "emerg" || word == "emergency" || word == "panic";
    case Severity::kAlert: return word == "alert";
    case Severity::kCrit: return word == "crit" || word == "critical" || word == "fatal";
    case Severity::kErr: return word == "err" || word == "error";
    case Severity::kWarning: return word == "warn" || word == "warning";
    default: return false;
  }
}

}  // namespace

bool SyslogToStderr(const SyslogMessage& m) { return m.severity <= Severity::kErr; }

std::string_view SyslogBody(const SyslogMessage& m, size_t kept, size_t whole) {
  std::string_view body = m.message;
  if (whole > kept) body.remove_suffix(Utf8IncompleteTail(body));
  return body;
}

void AppendSyslogText(std::string& out, const SyslogMessage& m, std::string_view name, size_t kept,
                      size_t whole) {
  if (!m.tag.empty() && m.tag != name) {
    out += m.tag;
    out += ": ";
  }
  if (m.severity <= Severity::kWarning && !SaysItsSeverity(m.message, m.severity)) {
    out += SeverityName(m.severity);
    out += ": ";
  }
  AppendEscaped(out, SyslogBody(m, kept, whole));
  AppendCutMark(out, kept, whole);
}

void AppendSyslogJson(std::string& out, std::string_view time, std::string_view name,
                      const SyslogMessage& m, size_t kept, size_t whole) {
  out += R"({"time":")";
  out += time;
  out += R"(","service":)";
  AppendJsonString(out, name);
  out += R"(,"stream":")";
  out += SyslogToStderr(m) ? "stderr" : "stdout";
  out += R"(","facility":")";
  out += FacilityName(m.facility);
  out += R"(","severity":")";
  out += SeverityName(m.severity);
  out += R"(","tag":)";
  AppendJsonString(out, m.tag);
  if (m.pid) {
    out += R"(,"pid":)";
    out += std::to_string(*m.pid);
  }
  out += R"(,"line":)";
  std::string body(SyslogBody(m, kept, whole));
  AppendCutMark(body, kept, whole);
  AppendJsonString(out, body);
  out += '}';
}

}  // namespace logs
