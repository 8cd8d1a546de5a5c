// libFuzzer target: the syslog datagram parser, which reads what any
// process in the container sends to /dev/log. Any bytes give a message,
// never a crash, with its promises kept (abort otherwise). The data is also
// parsed behind a syslog(3) and an RFC 5424 header, so that the fuzzer
// reaches tags, hostnames and structured data without finding headers first.
// Each message is then formatted as tend writes it (logs/syslog_line): the
// plain line is one line of printable text (no control byte but tab, valid
// UTF-8), and the JSON object holds only valid UTF-8 with no raw newline.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "logs/syslog_line.h"
#include "logs/syslog_message.h"
#include "logs/utf8.h"

namespace {

using logs::SyslogFormat;
using logs::SyslogMessage;

void Check(bool ok) {
  if (!ok) abort();
}

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

bool IsHeaderText(std::string_view s) {
  for (char c : s) {
    if (c <= ' ' || c >= '\x7F') return false;
  }
  return true;
}

bool IsOneLineOfText(std::string_view s) {
  while (!s.empty()) {
    size_t n = logs::Utf8CharLength(s);
    if (n == 0) return false;
    if (n == 1 && ((s[0] < ' ' && s[0] != '\t') || s[0] == '\x7F')) return false;
    s.remove_prefix(n);
  }
  return true;
}

void Format(const SyslogMessage& m, size_t kept) {
  for (size_t whole : {size_t{0}, kept + 100}) {
    std::string text;
    logs::AppendSyslogText(text, m, "svc", kept, whole);
    Check(IsOneLineOfText(text));
    std::string json;
    logs::AppendSyslogJson(json, "T", "svc", m, kept, whole);
    Check(IsOneLineOfText(json) && json.starts_with('{') && json.ends_with('}'));
  }
}

void Run(std::string_view in) {
  SyslogMessage m = logs::ParseSyslog(in);
  Check(Inside(m.timestamp, in) && Inside(m.hostname, in) && Inside(m.tag, in) &&
        Inside(m.message, in));
  Check(m.facility >= 0 && m.facility <= 23 && !logs::FacilityName(m.facility).empty());
  Check(static_cast<int>(m.severity) <= 7 && !logs::SeverityName(m.severity).empty());
  Check(IsHeaderText(m.timestamp) || m.format == SyslogFormat::kBsd);  // "Jan  5 ..." has spaces
  Check(IsHeaderText(m.hostname) && IsHeaderText(m.tag));
  Check(!m.pid || *m.pid > 0);
  Check(m.message.empty() || (m.message.back() != '\n' && m.message.back() != '\0'));
  if (m.format == SyslogFormat::kRaw) {
    Check(m.tag.empty() && m.hostname.empty() && m.timestamp.empty() && !m.pid);
    Check(m.facility == 1 && m.severity == logs::Severity::kNotice);
    Check(in.substr(0, m.message.size()) == m.message);  // all of it but the trimmed end
  } else {
    Check(in.starts_with('<'));
    Check(m.hostname.empty() || !m.tag.empty() || m.format == SyslogFormat::kRfc5424);
  }
  Format(m, in.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Run(in);
  Run("<38>Jan  5 12:34:56 " + std::string(in));
  Run("<165>1 2003-10-11T22:14:15.003Z host app 12 ID47 " + std::string(in));
  return 0;
}
