// SuccessStatus: the exit statuses a service counts as a success besides
// exit 0, from tend.toml's `success_exit_status` (systemd's
// SuccessExitStatus, supervisord's exitcodes): exit codes 0-255 and
// signals. A success is no failure anywhere: `restart = "on-failure"` does
// not restart it, a oneshot is done, tend's own exit status is 0. Exit 0 is
// always one, as in systemd. Parsed here from plain values (the TOML layer
// hands them in), so the rules are tested without a file.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace spec {

struct SuccessStatus {
  std::bitset<256> codes{1};  // exit codes; bit 0 (exit 0) always set
  std::bitset<65> signals;    // signal numbers 1-64 (Linux's NSIG is 65)

  bool IsDefault() const { return codes.count() == 1 && signals.none(); }
  // "0, 3, SIGHUP", for `tend --check`.
  std::string Describe() const;
  bool operator==(const SuccessStatus&) const = default;
};

// One entry as written: an exit code, or a signal name ("SIGHUP", "HUP").
using StatusEntry = std::variant<int64_t, std::string>;

struct SuccessStatusResult {
  std::optional<SuccessStatus> status;
  size_t bad = 0;     // the entry the error is about
  std::string error;  // what is wrong with it and how to write it
};

// Every entry must be an exit code 0 to 255 or a known signal name; the
// first bad one is the error (a list of 10^5 bad entries is one line, not
// 10^5). Repeats are harmless.
SuccessStatusResult ParseSuccessStatus(const std::vector<StatusEntry>& entries);

}  // namespace spec
