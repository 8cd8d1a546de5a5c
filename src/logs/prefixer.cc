#include "logs/prefixer.h"

#include <algorithm>

#include "logs/json_object.h"
#include "logs/json_string.h"

namespace logs {
namespace {

// Readable on dark and light terminals; red is left for errors.
constexpr const char* kColours[] = {"\033[36m", "\033[33m", "\033[32m", "\033[35m", "\033[34m",
                                    "\033[96m", "\033[93m", "\033[92m", "\033[95m", "\033[94m"};
constexpr const char* kReset = "\033[0m";

// {"time":...,"service":...,"stream":..., without the closing brace.
void AppendJsonHead(std::string& out, std::string_view time, std::string_view service,
                    std::string_view stream) {
  out += R"({"time":")";
  out += time;
  out += R"(","service":)";
  AppendJsonString(out, service);
  out += R"(,"stream":")";
  out += stream;
  out += '"';
}

// tend's fields of a service line; a line's member of the same name is
// renamed "fields.NAME".
constexpr std::string_view kOwnFields[] = {"time", "service", "stream"};

std::string MergedKey(const std::string& key) {
  for (std::string_view own : kOwnFields) {
    if (key == own) return "fields." + key;
  }
  return key;
}

}  // namespace

Prefixer::Prefixer(const std::vector<std::string>& names, LineStyle style)
    : style_(style), names_(names) {
  for (const std::string& n : names) width_ = std::max(width_, n.size());
  for (size_t i = 0; i < names.size(); ++i) {
    std::string head = names[i];
    head.resize(width_, ' ');
    head += " | ";
    if (style.colour) head = std::string(kColours[i % std::size(kColours)]).append(head) += kReset;
    heads_.push_back(std::move(head));
  }
}

void AppendJsonLine(std::string& out, std::string_view time, std::string_view service,
                    std::string_view stream, std::string_view level, std::string_view line) {
  AppendJsonHead(out, time, service, stream);
  if (!level.empty()) {
    out += R"(,"level":")";
    out += level;
    out += '"';
  }
  out += R"(,"line":)";
  AppendJsonString(out, line);
  out += '}';
}

bool AppendMergedJsonLine(std::string& out, std::string_view time, std::string_view service,
                          std::string_view stream, std::string_view line) {
  std::optional<std::vector<JsonMember>> members = SplitJsonObject(line);
  if (!members) return false;
  std::vector<std::string> keys;
  keys.reserve(members->size());
  for (const JsonMember& m : *members) keys.push_back(MergedKey(m.key));
  // "time" renamed while the line has a "fields.time" of its own: no
  // rename is right, so the line stays a string.
  std::vector<std::string_view> sorted(keys.begin(), keys.end());
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) return false;
  AppendJsonHead(out, time, service, stream);
  for (size_t k = 0; k < keys.size(); ++k) {
    out += ',';
    AppendJsonString(out, keys[k]);
    out += ':';
    out += (*members)[k].value;
  }
  out += '}';
  return true;
}

void Prefixer::Format(size_t index, std::string_view stream, std::string_view line,
                      std::string_view time, std::string& out, bool whole) const {
  if (style_.json) {
    if (!whole || !AppendMergedJsonLine(out, time, names_[index], stream, line)) {
      AppendJsonLine(out, time, names_[index], stream, "", line);
    }
    out += '\n';
    return;
  }
  AppendPlainHead(index, time, out);
  out += line;
  out += '\n';
}

void Prefixer::AppendPlainHead(size_t index, std::string_view time, std::string& out) const {
  if (style_.timestamps) {
    out += time;
    out += ' ';
  }
  out += heads_[index];
}

void Prefixer::FormatNamed(std::string_view name, std::string_view stream, std::string_view line,
                           std::string_view time, std::string& out) const {
  if (style_.json) {
    AppendJsonLine(out, time, name, stream, "", line);
    out += '\n';
    return;
  }
  if (style_.timestamps) {
    out += time;
    out += ' ';
  }
  out += name;
  if (name.size() < width_) out.append(width_ - name.size(), ' ');
  out += " | ";
  out += line;
  out += '\n';
}

void Prefixer::FormatOwn(std::string_view level, std::string_view line, std::string_view time,
                         std::string& out) const {
  if (style_.json) {
    AppendJsonLine(out, time, "tend", "log", level, line);
    out += '\n';
    return;
  }
  if (style_.timestamps) {
    out += time;
    out += ' ';
  }
  out += "tend: ";
  out += line;
  out += '\n';
}

}  // namespace logs
