#include "logs/syslog_message.h"

#include <array>

namespace logs {
namespace {

constexpr int kMaxPri = 191;          // facility 23 (local7), severity 7
constexpr size_t kMaxTag = 64;        // RFC 5424 says 48 for APP-NAME; some send more
constexpr size_t kMaxHostname = 255;  // RFC 5424's limit, and DNS's
constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Printable US-ASCII without space: what RFC 5424 allows in header fields.
bool IsPrintAscii(char c) { return c > ' ' && c < '\x7F'; }

bool AllPrintAscii(std::string_view s) {
  for (char c : s) {
    if (!IsPrintAscii(c)) return false;
  }
  return true;
}

// Whether `s` starts with `shape`, where '9' stands for any digit and every
// other character for itself.
bool HasShape(std::string_view s, std::string_view shape) {
  if (s.size() < shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == '9' ? !IsDigit(s[i]) : s[i] != shape[i]) return false;
  }
  return true;
}

std::string_view FirstWord(std::string_view s) { return s.substr(0, s.find(' ')); }

// `s` after its first `n` bytes and the space that follows them, if any.
std::string_view After(std::string_view s, size_t n) {
  return s.substr(n < s.size() && s[n] == ' ' ? n + 1 : n);
}

std::string_view TrimEnd(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == '\0')) {
    s.remove_suffix(1);
  }
  return s;
}

// A positive decimal int: digits only, no sign, no overflow.
std::optional<int> Pid(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;  // 9 digits fit in an int
  int value = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value == 0) return std::nullopt;
  return value;
}

// "<PRI>": 1 to 3 digits, at most 191. Removed from `s` when valid.
std::optional<int> TakePri(std::string_view& s) {
  if (s.empty() || s[0] != '<') return std::nullopt;
  size_t i = 1;
  int value = 0;
  for (; i < s.size() && i <= 3 && IsDigit(s[i]); ++i) value = value * 10 + (s[i] - '0');
  if (i == 1 || i >= s.size() || s[i] != '>' || value > kMaxPri) return std::nullopt;
  s.remove_prefix(i + 1);
  return value;
}

// RFC 3339 as RFC 5424 has it: 2003-10-11T22:14:15.003Z or ...+01:00,
// fractions of up to 9 digits (some senders give nanoseconds).
bool IsRfc3339(std::string_view t) {
  if (!HasShape(t, "9999-99-99T99:99:99")) return false;
  t.remove_prefix(19);
  if (!t.empty() && t[0] == '.') {
    size_t n = 1;
    while (n < t.size() && IsDigit(t[n])) ++n;
    if (n == 1 || n > 10) return false;
    t.remove_prefix(n);
  }
  return t == "Z" ||
         (t.size() == 6 && (t[0] == '+' || t[0] == '-') && HasShape(t.substr(1), "99:99"));
}

// Length of "Mmm dd hh:mm:ss" at the start of `s`, or 0. syslog(3) writes
// the day with strftime's %e (space-padded: "Jan  5"); other senders pad
// it with a zero or not at all.
size_t BsdTimestampLength(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan ", "Feb ", "Mar ", "Apr ",
                                                               "May ", "Jun ", "Jul ", "Aug ",
                                                               "Sep ", "Oct ", "Nov ", "Dec "};
  bool month = false;
  for (std::string_view m : kMonths) month = month || s.starts_with(m);
  if (!month) return 0;
  s.remove_prefix(4);
  size_t day = HasShape(s, " 9 ") || HasShape(s, "99 ") ? 3 : HasShape(s, "9 ") ? 2 : 0;
  if (day == 0 || !HasShape(s.substr(day), "99:99:99")) return 0;
  return 4 + day + 8;
}

// Length of the timestamp a BSD-form message starts with, followed by a
// space or the end, or 0: syslog(3)'s, or RFC 3339 (rsyslog's forwarding
// format puts one there).
size_t TimestampLength(std::string_view s) {
  size_t n = BsdTimestampLength(s);
  if (n == 0 && IsRfc3339(FirstWord(s))) n = FirstWord(s).size();
  return n == s.size() || (n > 0 && s[n] == ' ') ? n : 0;
}

// "TAG:" or "TAG[PID]:" as the first word of `s` (as journald reads it):
// sets tag and pid and removes the word and one space from `s`. A PID that
// is not a number is dropped; a tag must be printable ASCII without
// brackets, and short enough to be a program's name.
bool TakeTag(std::string_view& s, SyslogMessage& m) {
  std::string_view word = FirstWord(s);
  if (word.size() < 2 || word.back() != ':') return false;
  std::string_view tag = word.substr(0, word.size() - 1);
  std::string_view pid;
  if (tag.back() == ']') {
    size_t open = tag.rfind('[');
    if (open == std::string_view::npos) return false;
    pid = tag.substr(open + 1, tag.size() - open - 2);
    tag = tag.substr(0, open);
  }
  if (tag.empty() || tag.size() > kMaxTag || !AllPrintAscii(tag) ||
      tag.find_first_of("[]") != std::string_view::npos) {
    return false;
  }
  m.tag = tag;
  m.pid = Pid(pid);
  s = After(s, word.size());
  return true;
}

// RFC 3164's HOSTNAME comes only after a timestamp, and only counts as one
// when a tag follows it: "Oct 11 22:14:15 mymachine su: ...". Without the
// tag, the word is the message's first.
void TakeHostnameAndTag(std::string_view& s, SyslogMessage& m) {
  std::string_view host = FirstWord(s);
  bool alone = host.size() == s.size();
  if (host.empty() || alone || host.size() > kMaxHostname || !AllPrintAscii(host)) return;
  std::string_view rest = s.substr(host.size() + 1);
  if (!TakeTag(rest, m)) return;
  m.hostname = host;
  s = rest;
}

// syslog(3) and RFC 3164: each part is there or not; what is left is the
// message.
void ParseBsd(std::string_view s, SyslogMessage& m) {
  m.format = SyslogFormat::kBsd;
  size_t stamp = TimestampLength(s);
  m.timestamp = s.substr(0, stamp);
  if (stamp > 0) s = After(s, stamp);
  if (!TakeTag(s, m) && stamp > 0) TakeHostnameAndTag(s, m);
  m.message = s;
}

// Length of the SD-ELEMENTs at the start of `s` ("[id k="v"...][...]"), or
// 0 when one is not closed. Inside a quoted PARAM-VALUE a backslash escapes
// the next byte (RFC 5424 6.3.3: '"', '\' and ']'), and an unescaped ']',
// which some senders write, is still part of the value.
size_t StructuredDataLength(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && s[i] == '[') {
    bool quoted = false;
    for (++i; i < s.size() && (quoted || s[i] != ']'); ++i) {
      if (quoted && s[i] == '\\') {
        ++i;
      } else if (s[i] == '"') {
        quoted = !quoted;
      }
    }
    if (i >= s.size()) return 0;
    ++i;  // the ']'
  }
  return i;
}

// What follows MSGID: "-" or SD-ELEMENTs, then a space and the message,
// which may start with a byte order mark (RFC 5424 6.4: it says UTF-8).
// Structured data that is missing or not closed stays in the message, so
// no text is lost.
std::string_view MessageAfterStructuredData(std::string_view s) {
  size_t sd = s.starts_with('-') ? 1 : StructuredDataLength(s);
  std::string_view msg = sd == 0 || (sd < s.size() && s[sd] != ' ') ? s : After(s, sd);
  if (msg.starts_with(kBom)) msg.remove_prefix(kBom.size());
  return msg;
}

// "1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID ..." after the PRI. Fills `m`
// only when that header is complete and well-formed; otherwise the text is
// read as the BSD form.
bool ParseRfc5424(std::string_view s, SyslogMessage& m) {
  if (!s.starts_with("1 ")) return false;
  s.remove_prefix(2);
  std::array<std::string_view, 5> f;  // timestamp, hostname, app-name, procid, msgid
  for (size_t i = 0; i < f.size(); ++i) {
    f[i] = FirstWord(s);
    bool at_end = f[i].size() == s.size();  // allowed after MSGID: SD missing
    if (f[i].empty() || !AllPrintAscii(f[i]) || (at_end && i + 1 < f.size())) return false;
    s = After(s, f[i].size());
  }
  auto value = [](std::string_view v) { return v == "-" ? std::string_view() : v; };
  if ((f[0] != "-" && !IsRfc3339(f[0])) || f[1].size() > kMaxHostname || f[2].size() > kMaxTag) {
    return false;
  }
  m.format = SyslogFormat::kRfc5424;
  m.timestamp = value(f[0]);
  m.hostname = value(f[1]);
  m.tag = value(f[2]);
  m.pid = Pid(f[3]);
  m.message = MessageAfterStructuredData(s);
  return true;
}

}  // namespace

SyslogMessage ParseSyslog(std::string_view datagram) {
  SyslogMessage m;
  std::string_view s = TrimEnd(datagram);
  m.message = s;
  std::optional<int> pri = TakePri(s);
  if (!pri) return m;
  m.facility = *pri >> 3;
  m.severity = static_cast<Severity>(*pri & 7);
  if (!ParseRfc5424(s, m)) ParseBsd(s, m);
  return m;
}

std::string_view SeverityName(Severity severity) {
  static constexpr std::array<std::string_view, 8> kNames = {"emerg",   "alert",  "crit", "err",
                                                             "warning", "notice", "info", "debug"};
  return kNames[static_cast<size_t>(severity) & 7];
}

std::string_view FacilityName(int facility) {
  // syslog.h's names for 0 to 11 and 16 to 23; 12 to 15 as RFC 5424 and
  // rsyslog name them.
  static constexpr std::array<std::string_view, 24> kNames = {
      "kern",   "user",   "mail",     "daemon", "auth",   "syslog", "lpr",    "news",
      "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock",
      "local0", "local1", "local2",   "local3", "local4", "local5", "local6", "local7"};
  if (facility < 0 || facility >= static_cast<int>(kNames.size())) return "";
  return kNames[static_cast<size_t>(facility)];
}

}  // namespace logs
