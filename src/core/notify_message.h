// NotifyMessage: what one sd_notify(3) datagram says. The text is
// newline-separated KEY=VALUE assignments; tend acts on the few below and
// ignores unknown keys and malformed lines, as systemd does, so a service
// written for systemd works unchanged. Pure: the caller checks who sent it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace core {

struct NotifyMessage {
  bool ready = false;                     // READY=1: start-up is complete
  bool stopping = false;                  // STOPPING=1: shutting down on its own
  bool reloading = false;                 // RELOADING=1: reloading its configuration
  bool watchdog = false;                  // WATCHDOG=1: keep-alive ping
  bool watchdog_trigger = false;          // WATCHDOG=trigger: fail the watchdog now
  std::optional<std::string> status;      // STATUS=free text
  std::optional<int> mainpid;             // MAINPID=positive pid
  std::optional<uint64_t> watchdog_usec;  // WATCHDOG_USEC=new timeout
  bool fdstore = false;                   // FDSTORE=1: keep the fds sent with it
  bool fdstore_remove = false;            // FDSTOREREMOVE=1: drop the stored fds named FDNAME
  std::optional<std::string> fdname;      // FDNAME=name (systemd's rules; else left out)

  bool operator==(const NotifyMessage&) const = default;
};

// Flags take only their exact value ("READY=1", not "READY=yes"); a later
// STATUS, MAINPID, WATCHDOG_USEC or FDNAME replaces an earlier one. An
// FDNAME is 1 to 255 printable ASCII characters without ':' (it becomes a
// LISTEN_FDNAMES entry, ':'-separated).
NotifyMessage ParseNotify(std::string_view text);

}  // namespace core
