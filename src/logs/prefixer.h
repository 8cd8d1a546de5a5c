// Prefixer: formats one output line of a service for tend's own output.
// Plain: "name | text", names padded to one width, a colour per service on
// a TTY, optionally preceded by a UTC timestamp. JSON: one object per line
// with time, service, stream and line, or, for a line that is a JSON object
// itself, time, service, stream and the line's own members. tend's own lines
// go through it too.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace logs {

struct LineStyle {
  bool colour = false;
  bool json = false;
  bool timestamps = false;
};

class Prefixer {
 public:
  Prefixer(const std::vector<std::string>& names, LineStyle style);

  // Appends the formatted line (with '\n') for service `index` to `out`.
  // `stream` is "stdout" or "stderr"; `time` an RFC 3339 UTC timestamp,
  // used for JSON and when timestamps are on. `whole`: the line is all the
  // service wrote up to a newline (not a piece of an over-long one), so in
  // JSON a JSON object line may be merged (AppendMergedJsonLine).
  void Format(size_t index, std::string_view stream, std::string_view line, std::string_view time,
              std::string& out, bool whole) const;
  // Plain style: appends what Format puts before each line of service
  // `index` ("time " when timestamps are on, then the padded name and
  // " | "), so a batch of lines read at `time` is prefixed by copying it.
  void AppendPlainHead(size_t index, std::string_view time, std::string& out) const;
  bool json() const { return style_.json; }
  // The same for a name that is no service's (a syslog sender's tag):
  // padded to the names' width, without a colour.
  void FormatNamed(std::string_view name, std::string_view stream, std::string_view line,
                   std::string_view time, std::string& out) const;
  // tend's own log lines: "tend: text", or JSON with service "tend".
  void FormatOwn(std::string_view level, std::string_view line, std::string_view time,
                 std::string& out) const;

 private:
  LineStyle style_;
  std::vector<std::string> names_;
  std::vector<std::string> heads_;  // "name    | " with colour codes, ready to copy
  size_t width_ = 0;
};

// Appends one log line as a JSON object (no newline):
// {"time":...,"service":...,"stream":...[,"level":...],"line":...}
void AppendJsonLine(std::string& out, std::string_view time, std::string_view service,
                    std::string_view stream, std::string_view level, std::string_view line);

// Appends a service's line that is one JSON object (SplitJsonObject) as one
// object (no newline): tend's time, service and stream first, then the
// line's members in their order. tend's fields always win, so no line can
// pass for another service's or for tend's own; a member of the line named
// time, service or stream is kept as "fields.NAME" (logrus' rule for the
// same clash). Returns false, appending nothing, when the line is no such
// object or a "fields.NAME" it needs is taken by the line already.
bool AppendMergedJsonLine(std::string& out, std::string_view time, std::string_view service,
                          std::string_view stream, std::string_view line);

}  // namespace logs
