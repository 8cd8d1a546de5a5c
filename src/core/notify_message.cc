#include "core/notify_message.h"

#include <charconv>

namespace core {
namespace {

// Decimal digits only: no sign, no spaces, no overflow (from_chars alone
// would accept "12abc" as 12).
template <typename T>
std::optional<T> Decimal(std::string_view s) {
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || s.front() == '-' || ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

bool ValidFdName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    if (c <= ' ' || c >= 0x7f || c == ':') return false;
  }
  return true;
}

void Apply(std::string_view key, std::string_view value, NotifyMessage& m) {
  if (key == "READY") {
    m.ready = m.ready || value == "1";
  } else if (key == "STOPPING") {
    m.stopping = m.stopping || value == "1";
  } else if (key == "RELOADING") {
    m.reloading = m.reloading || value == "1";
  } else if (key == "WATCHDOG") {
    m.watchdog = m.watchdog || value == "1";
    m.watchdog_trigger = m.watchdog_trigger || value == "trigger";
  } else if (key == "STATUS") {
    m.status = std::string(value);
  } else if (key == "MAINPID") {
    // pid 0 or a negative pid would make a later kill() hit a process group.
    if (auto pid = Decimal<int>(value); pid && *pid > 0) m.mainpid = pid;
  } else if (key == "WATCHDOG_USEC") {
    if (auto usec = Decimal<uint64_t>(value)) m.watchdog_usec = usec;
  } else if (key == "FDSTORE") {
    m.fdstore = m.fdstore || value == "1";
  } else if (key == "FDSTOREREMOVE") {
    m.fdstore_remove = m.fdstore_remove || value == "1";
  } else if (key == "FDNAME") {
    if (ValidFdName(value)) m.fdname = std::string(value);
  }
}

}  // namespace

NotifyMessage ParseNotify(std::string_view text) {
  NotifyMessage m;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;  // not an assignment
    Apply(line.substr(0, eq), line.substr(eq + 1), m);
  }
  return m;
}

}  // namespace core
