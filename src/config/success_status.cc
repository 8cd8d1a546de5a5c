#include "config/success_status.h"

#include "base/signal_names.h"
#include "base/text.h"

namespace spec {

std::string SuccessStatus::Describe() const {
  std::string out;
  auto add = [&](const std::string& item) { out += (out.empty() ? "" : ", ") + item; };
  for (size_t c = 0; c < codes.size(); ++c) {
    if (codes.test(c)) add(std::to_string(c));
  }
  for (size_t s = 1; s < signals.size(); ++s) {
    if (signals.test(s)) add(base::SignalName(static_cast<int>(s)));
  }
  return out;
}

namespace {

// Why `entry` is no success status, or "" after adding it to `status`.
std::string Add(const StatusEntry& entry, SuccessStatus& status) {
  if (const int64_t* code = std::get_if<int64_t>(&entry)) {
    if (*code < 0 || *code > 255) {
      return "must be an exit status from 0 to 255, got " + std::to_string(*code);
    }
    status.codes.set(static_cast<size_t>(*code));
    return "";
  }
  const auto& name = std::get<std::string>(entry);
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
    return "write an exit status as a number, not a string: " + base::Printable(name, 16) +
           " without quotes";
  }
  int sig = base::SignalNumber(name);
  if (sig <= 0 || static_cast<size_t>(sig) >= status.signals.size()) {
    return "unknown signal '" + base::Printable(name, 64) +
           R"(' (a signal name like "SIGTERM" or "HUP", or an exit status from 0 to 255))";
  }
  status.signals.set(static_cast<size_t>(sig));
  return "";
}

}  // namespace

SuccessStatusResult ParseSuccessStatus(const std::vector<StatusEntry>& entries) {
  SuccessStatus status;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (std::string why = Add(entries[i], status); !why.empty()) return {std::nullopt, i, why};
  }
  return {status, 0, ""};
}

}  // namespace spec
