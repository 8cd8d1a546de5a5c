// SyslogLine: how one syslog message reads in tend's output, under the
// name of the service that sent it (or of its tag, for a sender that is no
// service). Plain:
//
//   sshd | Invalid user admin from 10.0.0.2 port 51234
//   web  | backup: err: disk full          (tag "backup", severity err)
//
// The tag is shown where it differs from the name, the severity where it
// is warning or worse and the message does not begin with it already
// (sshd's "error: ..."); bytes that would break the line (newlines, other
// control characters, bytes that are not UTF-8) are escaped as \n, \r and
// \xNN, so one message is one line. JSON carries facility, severity, tag
// and pid as fields of their own. Pure.
#pragma once

#include <string>
#include <string_view>

#include "logs/syslog_message.h"

namespace logs {

// Whether tend writes the message to its stderr stream: err and worse.
bool SyslogToStderr(const SyslogMessage& m);

// The message, cut where a datagram of `whole` bytes did not fit: the cut
// moves back to a character boundary. `whole` 0: not cut.
std::string_view SyslogBody(const SyslogMessage& m, size_t kept, size_t whole);

// Appends the plain line's text (after "name | "), without a newline.
// `whole` > `kept`: the datagram was cut; a mark says how long it was.
void AppendSyslogText(std::string& out, const SyslogMessage& m, std::string_view name, size_t kept,
                      size_t whole);

// Appends the JSON object (no newline): time, service, stream, facility,
// severity, tag, pid (when known), line (the message alone, cut and marked
// as above; JSON's own escaping).
void AppendSyslogJson(std::string& out, std::string_view time, std::string_view name,
                      const SyslogMessage& m, size_t kept, size_t whole);

}  // namespace logs
