// ClientArgs: tendctl's command line, turned into the one request it sends.
// Options go anywhere, before or after the command, as kubectl, docker and
// systemctl take them (`tendctl status --json`, `tendctl logs -f web`);
// `--` ends them. Every mistake is one error line that names the command
// and the fix. Pure: TEND_CONTROL comes in as a value.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ctl {

constexpr const char* kDefaultControl = "/run/tend.sock";

// json's move may throw in theory; tendctl runs to completion or aborts.
struct ClientArgs {                       // NOLINT(bugprone-exception-escape)
  std::string control = kDefaultControl;  // --control (or --socket), TEND_CONTROL
  // Given by flag or TEND_CONTROL: only that socket is tried; the default
  // path also falls back to tend's abstract socket (os/abstract_socket.h).
  bool control_given = false;
  bool as_json = false;
  bool help = false;
  bool version = false;
  nlohmann::json request;  // {"v":1,"cmd":...}, as docs/protocol.md has it
  bool stream = false;     // logs -f, events: read on after the reply
};

struct ClientArgsResult {  // NOLINT(bugprone-exception-escape)
  ClientArgs args;
  std::optional<std::string> error;  // one line, without "tendctl: "
};

// args excludes argv[0]; env_control is $TEND_CONTROL (nullptr when unset).
ClientArgsResult ParseClientArgs(const std::vector<std::string>& args, const char* env_control);

std::string ClientUsage();

}  // namespace ctl
