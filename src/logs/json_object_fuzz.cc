// libFuzzer target: a service's output line as log_format = "json" writes
// it. Any bytes give one line of valid JSON, never a crash, a hang or deep
// recursion (abort otherwise): SplitJsonObject accepts only what
// nlohmann/json parses too, into the same number of members; a merged line
// is an object with tend's time, service and stream and every member of the
// line, once each; any other line is quoted whole as "line".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "logs/json_object.h"
#include "logs/prefixer.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

// nlohmann's own parser is not recursive, but its dump and destructor
// are; the inputs here are at most max_len long, so they stay shallow.
nlohmann::json Parse(std::string_view text) {
  return nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  if (line.find('\n') != std::string_view::npos) return 0;  // the splitter never gives one
  auto members = logs::SplitJsonObject(line);
  if (members) {
    nlohmann::json parsed = Parse(line);
    Check(parsed.is_object());
    Check(parsed.size() == members->size());
  }
  logs::Prefixer prefixer({"web"}, logs::LineStyle{false, true, false});
  std::string out;
  prefixer.Format(0, "stdout", line, "2026-11-22T01:02:03.456Z", out, true);
  Check(!out.empty() && out.back() == '\n' && out.find('\n') == out.size() - 1);
  nlohmann::json merged = Parse(std::string_view(out).substr(0, out.size() - 1));
  Check(merged.is_object());
  Check(merged["time"] == "2026-11-22T01:02:03.456Z");
  Check(merged["service"] == "web");
  Check(merged["stream"] == "stdout");
  if (merged.contains("line") && merged.size() == 4 && merged["line"].is_string()) return 0;
  Check(members.has_value());
  Check(merged.size() == members->size() + 3);
  return 0;
}
