#include "ctl/client_args.h"

#include <cstdlib>

#include "base/text.h"

namespace ctl {
namespace {

using nlohmann::json;

// What each command takes besides the options every command takes.
struct CommandSpec {
  const char* name;
  const char* options;  // for errors: "-n N, -f"; "" for none
};
constexpr CommandSpec kCommands[] = {
    {"status", ""}, {"start", ""},           {"stop", ""},        {"restart", ""},
    {"signal", ""}, {"reload", ""},          {"shutdown", ""},    {"logs", "-n N, -f"},
    {"events", ""}, {"wait", "--timeout S"}, {"health", "--all"},
};

const CommandSpec* FindCommand(const std::string& name) {
  for (const CommandSpec& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// The words and options of one command line, before they make a request.
struct Words {
  std::vector<std::string> positional;  // the command, then its arguments
  const CommandSpec* command = nullptr;
  json extra = json::object();  // request fields set by options
};

class Parser {
 public:
  Parser(const std::vector<std::string>& args, ClientArgs& out) : args_(args), out_(out) {}
  std::optional<std::string> Run(Words& w);

 private:
  std::optional<std::string> Option(Words& w, const std::string& flag,
                                    std::optional<std::string> inline_value);
  std::optional<std::string> CommandOption(Words& w, const std::string& flag,
                                           std::optional<std::string> inline_value);
  // The value of a valued option: after '=' or the next argument.
  std::optional<std::string> Value(const std::string& flag,
                                   std::optional<std::string>& inline_value, std::string& value);
  std::string Where(const Words& w) const {
    return w.command ? std::string("tendctl ") + w.command->name : "tendctl";
  }

  const std::vector<std::string>& args_;
  ClientArgs& out_;
  size_t i_ = 0;
};

std::optional<std::string> Parser::Run(Words& w) {
  bool options_end = false;
  for (i_ = 0; i_ < args_.size(); ++i_) {
    const std::string& arg = args_[i_];
    if (!options_end && arg == "--") {
      options_end = true;
    } else if (!options_end && arg.size() > 1 && arg[0] == '-') {
      std::optional<std::string> inline_value;
      std::string flag = arg;
      if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
        flag = arg.substr(0, eq);
        inline_value = arg.substr(eq + 1);
      }
      if (auto err = Option(w, flag, inline_value)) return err;
      if (out_.help || out_.version) return std::nullopt;
    } else {
      if (w.positional.empty() && !(w.command = FindCommand(arg))) {
        return "unknown command '" + base::Printable(arg) + "' (see tendctl --help)";
      }
      w.positional.push_back(arg);
    }
  }
  return std::nullopt;
}

std::optional<std::string> Parser::Value(const std::string& flag,
                                         std::optional<std::string>& inline_value,
                                         std::string& value) {
  if (inline_value) {
    value = *inline_value;
  } else if (i_ + 1 < args_.size()) {
    value = args_[++i_];
  } else {
    return flag + " needs a value (see tendctl --help)";
  }
  inline_value.reset();
  return std::nullopt;
}

std::optional<std::string> Parser::Option(Words& w, const std::string& flag,
                                          std::optional<std::string> inline_value) {
  if (flag == "--control" || flag == "--socket") {
    std::string value;
    if (auto err = Value(flag, inline_value, value)) return err;
    if (value.empty()) return flag + " needs a socket path, like /run/tend.sock";
    out_.control = value;
    out_.control_given = true;
  } else if (flag == "--json") {
    out_.as_json = true;
  } else if (flag == "-h" || flag == "--help") {
    out_.help = true;
  } else if (flag == "-V" || flag == "--version") {
    out_.version = true;
  } else if (w.command) {
    return CommandOption(w, flag, inline_value);
  } else {
    const char* belongs = flag == "-f" || flag == "-n" ? "logs"
                          : flag == "--timeout"        ? "wait"
                          : flag == "--all"            ? "health"
                                                       : nullptr;
    if (belongs) {
      return "option '" + flag + "' goes with a command: tendctl " + belongs + " ... " + flag;
    }
    return "unknown option '" + base::Printable(flag) + "' (see tendctl --help)";
  }
  if (inline_value) return flag + " takes no value";
  return std::nullopt;
}

std::optional<std::string> Parser::CommandOption(Words& w, const std::string& flag,
                                                 std::optional<std::string> inline_value) {
  const std::string cmd = w.command->name;
  std::string value;
  if (cmd == "logs" && (flag == "-f" || flag == "--follow")) {
    w.extra["follow"] = true;
  } else if (cmd == "logs" && (flag == "-n" || flag == "--lines")) {
    if (auto err = Value(flag, inline_value, value)) return err;
    if (value.empty() || value.size() > 6 ||
        value.find_first_not_of("0123456789") != std::string::npos) {
      return Where(w) + ": " + flag + " needs a number of lines, like 50";
    }
    w.extra["lines"] = std::stol(value);
  } else if (cmd == "wait" && flag == "--timeout") {
    if (auto err = Value(flag, inline_value, value)) return err;
    if (!base::IsDecimal(value)) return Where(w) + ": --timeout needs seconds, like 30 or 2.5";
    w.extra["timeout"] = std::strtod(value.c_str(), nullptr);
  } else if (cmd == "health" && flag == "--all") {
    w.extra["all"] = true;
  } else if (cmd == "signal" && flag.size() > 1 && flag[1] != '-') {
    return Where(w) + ": unknown option '" + base::Printable(flag) +
           "' (the signal goes without a dash: tendctl signal " + base::Printable(flag.substr(1)) +
           " NAME)";
  } else {
    std::string takes = *w.command->options ? w.command->options + std::string(", ") : "";
    return Where(w) + ": unknown option '" + base::Printable(flag) + "' (" + cmd + " takes " +
           takes + "--json, --control PATH; see tendctl --help)";
  }
  if (inline_value) return flag + " takes no value";
  return std::nullopt;
}

// The request from the command and its arguments.
std::optional<std::string> BuildRequest(const Words& w, ClientArgs& out) {
  if (!w.command) return std::string("no command given (see tendctl --help)");
  const std::string cmd = w.command->name;
  std::vector<std::string> rest(w.positional.begin() + 1, w.positional.end());
  out.request = {{"v", 1}, {"cmd", cmd}};
  out.request.update(w.extra);
  json names = json::array();
  size_t first = 0;
  if (cmd == "signal") {
    if (rest.size() < 2) return "tendctl signal needs a signal and service names: signal HUP web";
    out.request["signal"] = rest[0];
    first = 1;
  } else if ((cmd == "reload" || cmd == "shutdown") && !rest.empty()) {
    return "tendctl " + cmd + " takes no arguments";
  } else if ((cmd == "start" || cmd == "stop" || cmd == "restart" || cmd == "wait") &&
             rest.empty()) {
    return "tendctl " + cmd + " needs service names, or all";
  } else if (cmd == "logs" && rest.size() != 1) {
    return std::string("tendctl logs needs one service name: logs web -n 50 -f");
  }
  for (size_t k = first; k < rest.size(); ++k) names.push_back(rest[k]);
  if (!names.empty()) out.request["names"] = names;
  out.stream = cmd == "events" || (cmd == "logs" && w.extra.contains("follow"));
  return std::nullopt;
}

}  // namespace

ClientArgsResult ParseClientArgs(const std::vector<std::string>& args, const char* env_control) {
  ClientArgsResult r;
  if (env_control && *env_control) {
    r.args.control = env_control;
    r.args.control_given = true;
  }
  Words w;
  Parser parser(args, r.args);
  r.error = parser.Run(w);
  if (r.error || r.args.help || r.args.version) return r;
  r.error = BuildRequest(w, r.args);
  return r;
}

std::string ClientUsage() {
  return R"(Usage: tendctl [OPTIONS] COMMAND [ARGS] [OPTIONS]

  status [NAME...]            services: state, pid, uptime, restarts, last exit
  start NAME...|all           start services (a stopped one stays down until started)
  stop NAME...|all            stop services; they stay down, across reloads too
  restart NAME...|all         stop, then start again
  signal SIG NAME...|all      send a signal (HUP, USR1, 15, ...)
  reload                      re-read the configuration files
  shutdown                    stop everything; tend exits
  logs NAME [-n N] [-f]       recent output of a service; -f follows it
  wait NAME...|all [--timeout S]  until they run and are ready (default 30 s)
  events [NAME...]            follow lifecycle events (started, exited, ...)
  health [--all] [NAME...]    exit 0 only if the critical services (all of them
                              with --all, or if none is critical) run and are
                              ready and live: a Docker HEALTHCHECK

Options, before or after the command (-- ends them):
  --control PATH   the control socket (also --socket PATH)       [TEND_CONTROL]
                   default /run/tend.sock, and where that is missing the
                   abstract socket tend falls back to on a read-only /run
  --json           print tend's replies as they come, one JSON object a line
  -h, --help       show this help
  -V, --version    show the version

Exit status: 0 done, 1 tend refused (see the message), 2 usage,
3 tend unreachable, 4 wait timed out; health: 1 when unhealthy.
)";
}

}  // namespace ctl
