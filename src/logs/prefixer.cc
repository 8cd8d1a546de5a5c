#include "logs/prefixer.h"

#include <algorithm>

namespace logs {
namespace {

// Readable on dark and light terminals; red is left for errors.
constexpr const char* kColours[] = {"\033[36m", "\033[33m", "\033[32m", "\033[35m", "\033[34m",
                                    "\033[96m", "\033[93m", "\033[92m", "\033[95m", "\033[94m"};
constexpr const char* kReset = "\033[0m";

}  // namespace

Prefixer::Prefixer(const std::vector<std::string>& names, bool colour) {
  size_t width = 0;
  for (const std::string& n : names) width = std::max(width, n.size());
  for (size_t i = 0; i < names.size(); ++i) {
    std::string head = names[i];
    head.resize(width, ' ');
    head += " | ";
    if (colour) head = kColours[i % std::size(kColours)] + head + kReset;
    heads_.push_back(std::move(head));
  }
}

void Prefixer::Format(size_t index, std::string_view line, std::string& out) const {
  out += heads_[index];
  out += line;
  out += '\n';
}

void Prefixer::FormatOwn(std::string_view line, std::string& out) {
  out += "tend: ";
  out += line;
  out += '\n';
}

}  // namespace logs
