#include "config/options.h"

#include <cstdlib>

#include "base/text.h"
#include "config/critical.h"
#include "config/listen_address.h"
#include "config/naming.h"

namespace spec {
namespace {

constexpr const char* kValuedOptions[] = {
    "grace",   "restart",     "scan-interval",  "config", "procfile", "cfe-csv",
    "control", "http-listen", "lineage-window", "syslog", "critical"};

struct Parsed {
  Options opts;
  std::vector<std::string> commands;
  std::optional<std::string> error;
};

std::optional<base::Duration> ParseSeconds(const std::string& text) {
  if (!base::IsDecimal(text)) return std::nullopt;
  double value = std::strtod(text.c_str(), nullptr);
  if (value > 3600) return std::nullopt;
  return std::chrono::duration_cast<base::Duration>(std::chrono::duration<double>(value));
}

std::optional<RestartPolicy> ParseRestart(const std::string& text) {
  if (text == "always") return RestartPolicy::kAlways;
  if (text == "on-failure") return RestartPolicy::kOnFailure;
  if (text == "never") return RestartPolicy::kNever;
  return std::nullopt;
}

std::optional<bool> ParseBool(const std::string& text) {
  if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
  if (text == "0" || text == "false" || text == "no" || text == "off" || text.empty()) {
    return false;
  }
  return std::nullopt;
}

// --critical adds to the names given before it; TEND_CRITICAL's are
// dropped by the first flag (a flag wins over its variable), and an empty
// TEND_CRITICAL names none.
std::optional<std::string> ApplyCritical(Options& o, const std::string& value,
                                         const std::string& where) {
  if (value.empty() && where == "TEND_CRITICAL") return std::nullopt;
  NameList list = ParseNameList(value, where);
  if (list.error) return list.error;
  if (o.critical_from != where) o.critical.clear();
  o.critical_from = where;
  o.critical.insert(o.critical.end(), list.names.begin(), list.names.end());
  return std::nullopt;
}

// Applies one valued option; `where` names its source for the error line.
std::optional<std::string> ApplyValue(Options& o, const std::string& key, const std::string& value,
                                      const std::string& where) {
  o.given.insert(key);
  if (key == "critical") return ApplyCritical(o, value, where);
  if (key == "control") {
    if (!value.empty() && value[0] != '/')
      return where + ": expected an absolute path, or \"\" to disable";
    o.control = value;
  } else if (key == "syslog") {
    if (!value.empty() && value[0] != '/')
      return where + ": expected an absolute path (like /dev/log), or \"\" to turn it off";
    o.syslog = value;
  } else if (key == "http-listen") {
    if (auto a = ParseListenAddress(value); !a && !value.empty()) {
      std::string why = a.Err().Describe();
      if (why.rfind("http_listen: ", 0) == 0) why.erase(0, 13);
      return where + ": " + why;
    }
    o.http_listen = value;
  } else if (key == "config" || key == "procfile" || key == "cfe-csv") {
    if (value.empty()) return where + ": expected a file name";
    (key == "config" ? o.config : key == "procfile" ? o.procfile : o.cfe_csv) = value;
  } else if (key == "grace") {
    auto d = ParseSeconds(value);
    if (!d)
      return where + ": expected seconds between 0 and 3600 (decimal, like 8 or 2.5), got '" +
             base::Printable(value) + "'";
    o.grace = *d;
  } else if (key == "scan-interval") {
    auto d = ParseSeconds(value);
    if (!d || *d < base::milliseconds(100)) {
      return where + ": expected seconds between 0.1 and 3600 (decimal, like 5 or 0.5), got '" +
             base::Printable(value) + "'";
    }
    o.scan_interval = *d;
  } else if (key == "lineage-window") {
    auto d = ParseSeconds(value);
    if (!d) {
      return where +
             ": expected seconds between 0 and 3600 (decimal, like 10 or 0 for off), got '" +
             base::Printable(value) + "'";
    }
    o.lineage_window = *d;
  } else if (key == "restart") {
    auto p = ParseRestart(value);
    if (!p)
      return where + ": expected always, on-failure or never, got '" + base::Printable(value) + "'";
    o.restart = *p;
  }
  return std::nullopt;
}

std::optional<std::string> ApplyEnv(Options& o, const EnvLookup& env) {
  for (const char* key : kValuedOptions) {
    std::string var = "TEND_";
    for (const char* c = key; *c; ++c) var += *c == '-' ? '_' : static_cast<char>(*c - 'a' + 'A');
    if (auto v = env(var)) {
      if (auto err = ApplyValue(o, key, *v, var)) return err;
    }
  }
  struct Flag {
    const char* var;
    bool* target;
    bool when_set;
  };
  bool no_prefix = false, verbose = false, quiet = false;
  for (Flag f : {Flag{"TEND_NO_PREFIX", &no_prefix, true}, Flag{"TEND_VERBOSE", &verbose, true},
                 Flag{"TEND_QUIET", &quiet, true}}) {
    if (auto v = env(f.var)) {
      auto b = ParseBool(*v);
      if (!b) return std::string(f.var) + ": expected 1 or 0, got '" + base::Printable(*v) + "'";
      *f.target = *b;
    }
  }
  if (no_prefix) o.prefix = false;
  if (verbose) o.verbosity = Verbosity::kVerbose;
  if (quiet) o.verbosity = Verbosity::kQuiet;
  return std::nullopt;
}

// Returns false when args[i] is not an option (the commands begin there).
bool ParseOne(Parsed& p, const std::vector<std::string>& args, size_t& i) {
  const std::string& arg = args[i];
  if (arg.size() < 2 || arg[0] != '-') return false;
  if (arg == "-h" || arg == "--help") {
    p.opts.help = true;
    return true;
  }
  if (arg == "-V" || arg == "--version") {
    p.opts.version = true;
    return true;
  }
  if (arg == "-v" || arg == "--verbose") {
    p.opts.verbosity = Verbosity::kVerbose;
    return true;
  }
  if (arg == "-q" || arg == "--quiet") {
    p.opts.verbosity = Verbosity::kQuiet;
    return true;
  }
  if (arg == "--check") {
    p.opts.check = true;
    return true;
  }
  if (arg == "--no-prefix") {
    p.opts.prefix = false;
    return true;
  }
  for (const char* key : kValuedOptions) {
    std::string flag = std::string("--") + key;
    // tendctl's name for it, so that one spelling works in both programs.
    if (flag == "--control" && (arg == "--socket" || arg.rfind("--socket=", 0) == 0))
      flag = "--socket";
    std::string value;
    if (arg == flag) {
      if (i + 1 >= args.size()) {
        p.error = flag + ": missing value (see tend --help)";
        return true;
      }
      value = args[++i];
    } else if (arg.rfind(flag + "=", 0) == 0) {
      value = arg.substr(flag.size() + 1);
    } else {
      continue;
    }
    p.error = ApplyValue(p.opts, key, value, flag);
    return true;
  }
  p.error = "unknown option '" + base::Printable(arg) +
            "' (see tend --help; to run a command starting with '-', put -- before it)";
  return true;
}

// `tend "app" --restart never` would otherwise run a program named
// "--restart": almost certainly a mistake, so say how to write it.
std::optional<std::string> OptionAfterCommands(const std::vector<std::string>& commands,
                                               bool dashdash) {
  if (dashdash) return std::nullopt;
  for (const std::string& c : commands) {
    Parsed probe;
    std::vector<std::string> one = {c, "x"};
    size_t i = 0;
    if (c.size() > 1 && c[0] == '-' && ParseOne(probe, one, i) &&
        (!probe.error || probe.error->rfind("unknown option", 0) != 0)) {
      return "option '" + base::Printable(c) +
             "' comes after the commands: put options first, or -- before " +
             "the commands to run it as a command";
    }
  }
  return std::nullopt;
}

std::optional<std::string> BuildServices(Parsed& p) {
  std::vector<std::string> names;
  for (size_t n = 0; n < p.commands.size(); ++n) {
    SplitResult r = SplitCommandLine(p.commands[n]);
    if (r.error) {
      return "command " + std::to_string(n + 1) + " \"" + base::Printable(p.commands[n]) +
             "\", column " + std::to_string(r.error->column) + ": " + r.error->message;
    }
    ServiceSpec s;
    s.command = std::move(r.command);
    s.restart = p.opts.restart;
    names.push_back(NameFor(s.command));
    s.match.pattern = names.back();  // before -2, -3: the daemon keeps its own name
    s.daemon = DefaultDaemonMode(s.match);
    p.opts.services.push_back(std::move(s));
  }
  MakeUnique(names);
  for (size_t n = 0; n < names.size(); ++n) p.opts.services[n].name = names[n];
  return std::nullopt;
}

}  // namespace

OptionsResult ParseOptions(const std::vector<std::string>& args, const EnvLookup& env) {
  Parsed p;
  if (auto err = ApplyEnv(p.opts, env)) return {p.opts, err};
  size_t i = 0;
  bool dashdash = false;
  for (; i < args.size(); ++i) {
    if (args[i] == "--") {
      ++i;
      dashdash = true;
      break;
    }
    if (!ParseOne(p, args, i)) break;
    if (p.error) return {p.opts, p.error};
  }
  p.commands.assign(args.begin() + static_cast<long>(i), args.end());
  if (auto err = OptionAfterCommands(p.commands, dashdash)) return {p.opts, err};
  if (p.opts.help || p.opts.version) return {p.opts, std::nullopt};
  if (p.opts.check) {  // tend --check [FILE...]: the arguments are files
    p.opts.check_files = p.commands;
    return {p.opts, std::nullopt};
  }
  if (auto err = BuildServices(p)) return {p.opts, err};
  return {p.opts, std::nullopt};
}

std::string UsageText() {
  return R"(Usage: tend [OPTIONS] [--] COMMAND...

Runs each COMMAND (one argument holding a whole command line) as a service,
keeps it running, and acts as a container's init: reaps zombies, forwards
signals, shuts down gracefully.

  tend "/usr/sbin/sshd -D" "/etc/init.d/apache2 start"

Options (each also read from the environment variable shown):
  --grace SECONDS     time between SIGTERM and SIGKILL at shutdown [TEND_GRACE] (default 8)
  --restart POLICY    always | on-failure | never                  [TEND_RESTART] (default always)
  --config FILE       services and settings from a TOML file     [TEND_CONFIG]
  --procfile FILE     services from a Procfile                   [TEND_PROCFILE]
  --cfe-csv FILE      services from cfe-docker's processes_run.csv [TEND_CFE_CSV]
  --check             validate the configuration, print it, run nothing
  --critical NAME     when service NAME ends, stop everything and exit with its
                      status; it is not restarted (repeatable, or a,b) [TEND_CRITICAL]
  --control PATH      control socket for tendctl ("" = none; alias --socket)
                      [TEND_CONTROL] (default /run/tend.sock, else an abstract socket)
  --http-listen ADDR  serve /healthz, /readyz and /metrics at [HOST:]PORT
                      ("" = off)                      [TEND_HTTP_LISTEN] (default off)
  --syslog PATH       receive syslog messages there and log them under their
                      service's name ("" = off)  [TEND_SYSLOG] (default /dev/log as PID 1)
  --no-prefix         services write straight to tend's stdout/stderr [TEND_NO_PREFIX=1]
  --scan-interval S   where pidfds are missing (old kernels), how often adopted
                      daemons are looked for again    [TEND_SCAN_INTERVAL] (default 5)
  --lineage-window S  how long a start command is watched for what it leaves
                      behind (0 = off: by name only) [TEND_LINEAGE_WINDOW] (default 10)
  -v, --verbose       log more                                      [TEND_VERBOSE=1]
  -q, --quiet         log only warnings and errors                  [TEND_QUIET=1]
  -h, --help          show this help
  -V, --version       show the version

A command runs without a shell unless it needs one (pipes, redirections,
;, &&, $VAR, globs, backquotes, a leading VAR=value): then /bin/sh -c.
Each service is named after its executable's basename (sshd, apache2).
A command that exits 0 leaving processes behind (an init script starting a
daemon) has them adopted and watched, whatever their names; see docs/tend.md.
Exit status: that of the last service when all have ended; after a requested
shutdown 0 if every service stopped cleanly; 2 on bad usage.
)";
}

}  // namespace spec
