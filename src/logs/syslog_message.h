// SyslogMessage: what one datagram sent to /dev/log says. Any process in
// the container may send one, in whichever form its library writes:
//
//   glibc and musl syslog(3), logger:  <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG
//     (the timestamp, the [PID] or the whole TAG: may be missing)
//   RFC 3164, as relays write it:       <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG
//   RFC 5424 (logger --rfc5424):        <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG
//     ("-" for a nil field; SD is "-" or [elements], which are skipped)
//
// Parsing never fails: a part that is not what its form wants is left in
// the message, and a datagram without a valid PRI is all message, with the
// PRI RFC 3164 (4.3.3) gives such text: user.notice. Work is linear in the
// datagram's length. Pure; the caller knows who sent it and bounds its size.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace logs {

// syslog(3)'s LOG_EMERG (0) to LOG_DEBUG (7): lower is worse.
enum class Severity : uint8_t { kEmerg, kAlert, kCrit, kErr, kWarning, kNotice, kInfo, kDebug };

enum class SyslogFormat : uint8_t {
  kRaw,      // no valid PRI: the whole datagram is the message
  kBsd,      // syslog(3) or RFC 3164: a PRI, then whichever header parts are there
  kRfc5424,  // a PRI, version 1 and a complete RFC 5424 header
};

// Text fields are views into the datagram (valid while it is), empty when
// the datagram has none or says nil ("-"). The message may hold any bytes:
// NULs, newlines, invalid UTF-8; whoever prints it escapes them. A tag and
// a hostname are printable ASCII.
struct SyslogMessage {
  SyslogFormat format = SyslogFormat::kRaw;
  int facility = 1;  // 0 to 23: LOG_KERN, LOG_USER, ... LOG_LOCAL7
  Severity severity = Severity::kNotice;
  std::string_view timestamp;  // as sent: "Jan  5 12:34:56" or RFC 3339
  std::string_view hostname;
  std::string_view tag;    // TAG or APP-NAME: the program's name, as it says
  std::optional<int> pid;  // [PID] or PROCID, when a positive decimal number
  std::string_view message;

  bool operator==(const SyslogMessage&) const = default;
};

// Trailing newlines, carriage returns and NULs (which some senders add) are
// not part of the message.
SyslogMessage ParseSyslog(std::string_view datagram);

// "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug":
// the names syslog.conf and logger -p use.
std::string_view SeverityName(Severity severity);

// "kern", "user", "mail", "daemon", "auth", ... "local7"; "" for a number
// outside 0 to 23.
std::string_view FacilityName(int facility);

}  // namespace logs
