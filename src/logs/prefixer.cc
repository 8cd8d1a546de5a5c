#include "logs/prefixer.h"

#include <algorithm>

#include "logs/json_string.h"

namespace logs {
namespace {

// Readable on dark and light terminals; red is left for errors.
constexpr const char* kColours[] = {"\033[36m", "\033[33m", "\033[32m", "\033[35m", "\033[34m",
                                    "\033[96m", "\033[93m", "\033[92m", "\033[95m", "\033[94m"};
constexpr const char* kReset = "\033[0m";

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
  out += R"({"time":")";
  out += time;
  out += R"(","service":)";
  AppendJsonString(out, service);
  out += R"(,"stream":")";
  out += stream;
  if (!level.empty()) {
    out += R"(","level":")";
    out += level;
  }
  out += R"(","line":)";
  AppendJsonString(out, line);
  out += '}';
}

void Prefixer::Format(size_t index, std::string_view stream, std::string_view line,
                      std::string_view time, std::string& out) const {
  if (style_.json) {
    AppendJsonLine(out, time, names_[index], stream, "", line);
    out += '\n';
    return;
  }
  if (style_.timestamps) {
    out += time;
    out += ' ';
  }
  out += heads_[index];
  out += line;
  out += '\n';
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
