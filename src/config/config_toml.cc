// tend.toml: [tend] holds global settings, [services.NAME] one service each.
// Every key has a handler in kServiceKeys / kGlobalKeys; unknown keys, wrong
// types and bad values are all reported, with a suggestion where one fits.
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <map>

#include "base/regex.h"
#include "base/signal_names.h"
#include "base/text.h"
#include "config/config.h"
#include "config/config_bounds.h"
#include "config/env_file.h"
#include "config/instances.h"
#include "config/listen_address.h"
#include "config/naming.h"
#include "config/passwd.h"
#include "config/probe_target.h"
#include "config/socket_spec.h"
#include "config/success_status.h"

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#define TOML_ENABLE_FORMATTERS 0
// GCC has had std::from_chars for doubles since 11; toml++ assumes it has
// not and parses floats with a std::stringstream, which links iostream and
// every locale facet into the static binary (about 600 KB).
#define TOML_FLOAT_CHARCONV 1
#include <toml++/toml.h>

namespace spec {
namespace {

struct FileCtx {
  const std::string& file;
  const LoadContext& load;
  std::vector<Diagnostic>& errors;
  int instance = 0;  // reading instance `instance` of a group: 1..N; 0: none

  // A string value as this instance gets it: "{instance}" is its number.
  std::string Text(const toml::node& v) const {
    std::string text = v.value<std::string>().value_or("");
    return instance > 0 ? SubstituteInstance(text, instance) : text;
  }

  void Error(const toml::node& where, const std::string& msg) { Error(where.source(), msg); }
  void Error(const toml::source_region& where, const std::string& msg) {
    errors.push_back(
        {file, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column), msg});
  }
};

// What a service table says before names are resolved.
struct Draft {
  ServiceSpec spec;
  const toml::node* command = nullptr;
  std::optional<bool> shell;
  const toml::node* user = nullptr;
  const toml::node* group = nullptr;
  const toml::node* groups = nullptr;
  const toml::node* env = nullptr;
  const toml::node* env_file = nullptr;
  bool match_set = false;
  bool daemon_set = false;
};

std::string TypeName(const toml::node& v) {
  switch (v.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
  }
}

void WrongType(FileCtx& c, const toml::node& v, const std::string& key, const std::string& want) {
  c.Error(v, "'" + key + "' must be " + want + ", got " + TypeName(v));
}

std::optional<std::string> Str(FileCtx& c, const toml::node& v, const std::string& key) {
  if (v.is_string()) return c.Text(v);
  WrongType(c, v, key, "a string");
  return std::nullopt;
}

std::optional<bool> Bool(FileCtx& c, const toml::node& v, const std::string& key) {
  if (v.is_boolean()) return v.value<bool>();
  WrongType(c, v, key, "true or false");
  return std::nullopt;
}

std::optional<int64_t> Int(FileCtx& c, const toml::node& v, const std::string& key, int64_t lo,
                           int64_t hi) {
  if (!v.is_integer()) {
    WrongType(c, v, key, "an integer");
    return std::nullopt;
  }
  int64_t n = *v.value<int64_t>();
  if (n < lo || n > hi) {
    c.Error(v, "'" + key + "' must be between " + std::to_string(lo) + " and " +
                   std::to_string(hi) + ", got " + std::to_string(n));
    return std::nullopt;
  }
  return n;
}

std::optional<base::Duration> Dur(FileCtx& c, const toml::node& v, const std::string& key) {
  std::optional<base::Duration> d;
  if (v.is_integer() || v.is_floating_point()) {
    double secs = *v.value<double>();
    if (secs >= 0 && secs <= 365.0 * 86400) {
      d = std::chrono::duration_cast<base::Duration>(std::chrono::duration<double>(secs));
    }
  } else if (v.is_string()) {
    d = ParseDuration(c.Text(v));
  } else {
    WrongType(c, v, key, R"(a duration (seconds, or a string like "500ms", "2s", "1m"))");
    return std::nullopt;
  }
  if (!d) c.Error(v, "'" + key + R"(' must be a duration like 10, "500ms", "2s" or "1m")");
  return d;
}

std::optional<std::vector<std::string>> StrList(FileCtx& c, const toml::node& v,
                                                const std::string& key) {
  if (v.is_string()) return std::vector<std::string>{c.Text(v)};
  const toml::array* a = v.as_array();
  if (!a) {
    WrongType(c, v, key, "an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const toml::node& e : *a) {
    if (!e.is_string()) {
      WrongType(c, e, key + "[]", "a string");
      return std::nullopt;
    }
    out.push_back(c.Text(e));
  }
  return out;
}

template <typename E>
std::optional<E> Choice(FileCtx& c, const toml::node& v, const std::string& key,
                        const std::vector<std::pair<const char*, E>>& choices) {
  auto s = Str(c, v, key);
  if (!s) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) {
    if (*s == name) return value;
    names.emplace_back(name);
  }
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + ("\"" + n + "\"");
  auto hint = Suggest(*s, names);
  c.Error(v, "'" + key + "' must be one of " + list + ", got \"" + base::Printable(*s) + "\"" +
                 (hint ? " (did you mean \"" + *hint + "\"?)" : ""));
  return std::nullopt;
}

// The directory an output file goes into must be there: tend does not
// create it, and a file it cannot open loses every line.
bool OutputDirExists(FileCtx& c, const toml::node& where, const std::string& key,
                     const std::string& path) {
  if (!c.load.is_dir) return true;
  std::string dir = path.substr(0, std::max<size_t>(path.rfind('/'), 1));
  if (c.load.is_dir(path)) {
    c.Error(where, "'" + key + ".file': " + path + " is a directory: name a file in it");
    return false;
  }
  if (!c.load.is_dir(dir)) {
    c.Error(where, "'" + key + ".file': directory " + dir +
                       " does not exist: create it, or write the log elsewhere");
    return false;
  }
  return true;
}

std::optional<OutputSpec> Output(FileCtx& c, const toml::node& v, const std::string& key) {
  using M = OutputSpec::Mode;
  OutputSpec out;
  if (v.is_string()) {
    auto m = Choice<M>(c, v, key,
                       {{"prefix", M::kPrefix}, {"inherit", M::kInherit}, {"null", M::kNull}});
    if (!m) return std::nullopt;
    out.mode = *m;
    return out;
  }
  const toml::table* t = v.as_table();
  if (!t) {
    WrongType(c, v, key, R"("prefix", "inherit", "null" or { file = "..." })");
    return std::nullopt;
  }
  out.mode = M::kFile;
  bool ok = true;
  for (auto&& [k, sub] : *t) {
    std::string name(k.str());
    if (name == "file") {
      auto p = Str(c, sub, key + ".file");
      if (p && (p->empty() || (*p)[0] != '/')) {
        c.Error(sub, "'" + key + ".file' must be an absolute path");
        p.reset();
      }
      if (p && !OutputDirExists(c, sub, key, *p)) p.reset();
      ok = ok && p;
      if (p) out.path = *p;
    } else if (name == "max_size") {
      std::optional<uint64_t> size;
      if (sub.is_integer())
        size = static_cast<uint64_t>(std::max<int64_t>(0, *sub.value<int64_t>()));
      if (sub.is_string()) size = ParseSize(c.Text(sub));
      if (!size || *size < 1024)
        c.Error(sub, "'" + key + ".max_size' must be a size of at least 1K, like \"10M\"");
      ok = ok && size && *size >= 1024;
      if (size) out.max_size = *size;
    } else if (name == "keep") {
      auto n = Int(c, sub, key + ".keep", 0, 100);
      ok = ok && n;
      if (n) out.keep = static_cast<int>(*n);
    } else {
      auto hint = Suggest(name, {"file", "max_size", "keep"});
      std::string text = "unknown key '" + key;
      text.append(".").append(name).append("'");
      if (hint) text += " (did you mean '" + *hint + "'?)";
      c.Error(k.source(), text);
      ok = false;
    }
  }
  if (out.path.empty() && ok) {
    c.Error(v, "'" + key + "' as a table needs file = \"/path\"");
    return std::nullopt;
  }
  return ok ? std::optional<OutputSpec>(out) : std::nullopt;
}

std::optional<int> Rlimit(std::string_view name) {
  static const std::map<std::string_view, int> kNames = {
      {"nofile", RLIMIT_NOFILE},     {"nproc", RLIMIT_NPROC}, {"core", RLIMIT_CORE},
      {"cpu", RLIMIT_CPU},           {"fsize", RLIMIT_FSIZE}, {"data", RLIMIT_DATA},
      {"stack", RLIMIT_STACK},       {"as", RLIMIT_AS},       {"memlock", RLIMIT_MEMLOCK},
      {"rss", RLIMIT_RSS},           {"locks", RLIMIT_LOCKS}, {"sigpending", RLIMIT_SIGPENDING},
      {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},   {"rtprio", RLIMIT_RTPRIO}};
  auto it = kNames.find(name);
  if (it == kNames.end()) return std::nullopt;
  return it->second;
}

std::optional<uint64_t> RlimitValue(const toml::node& v) {
  if (v.is_string() && *v.value<std::string>() == "unlimited") return RLIM_INFINITY;
  if (v.is_integer() && *v.value<int64_t>() >= 0) return static_cast<uint64_t>(*v.value<int64_t>());
  return std::nullopt;
}

void Rlimits(FileCtx& c, Draft& d, const toml::node& v, const std::string& key) {
  const toml::table* t = v.as_table();
  if (!t) return WrongType(c, v, key, "a table like { nofile = 1024, core = \"unlimited\" }");
  for (auto&& [k, sub] : *t) {
    std::string name(k.str());
    auto res = Rlimit(name);
    if (!res) {
      auto hint =
          Suggest(name, {"nofile", "nproc", "core", "cpu", "fsize", "data", "stack", "as",
                         "memlock", "rss", "locks", "sigpending", "msgqueue", "nice", "rtprio"});
      c.Error(k.source(), "unknown limit 'rlimits." + name + "'" +
                              (hint ? " (did you mean '" + *hint + "'?)" : ""));
      continue;
    }
    std::optional<uint64_t> soft, hard;
    if (const toml::array* a = sub.as_array(); a && a->size() == 2) {
      soft = RlimitValue(*a->get(0));
      hard = RlimitValue(*a->get(1));
    } else {
      soft = hard = RlimitValue(sub);
    }
    if (!soft || !hard || *soft > *hard) {
      c.Error(sub, "'rlimits." + name +
                       "' must be a number, \"unlimited\" or [soft, hard] "
                       "with soft <= hard");
      continue;
    }
    d.spec.rlimits.push_back({*res, *soft, *hard});
  }
}

void Match(FileCtx& c, Draft& d, const toml::node& v, const std::string& key) {
  d.match_set = true;
  if (v.is_string()) {
    d.spec.match = {MatchRule::Kind::kName, c.Text(v)};
    if (d.spec.match.pattern.empty()) c.Error(v, "'match' must not be empty");
    return;
  }
  const toml::table* t = v.as_table();
  const toml::node* rx = t ? t->get("regex") : nullptr;
  if (!t || t->size() != 1 || !rx || !rx->is_string()) {
    return WrongType(c, v, key, "a process name, or { regex = \"...\" }");
  }
  std::string pattern = c.Text(*rx);
  std::string why;
  if (!base::Regex::Compile(pattern, &why)) {
    return c.Error(*rx, "'match.regex' is not a valid POSIX extended regular expression: " + why);
  }
  d.spec.match = {MatchRule::Kind::kRegex, pattern};
}

// A probe table: exactly one of exec, tcp and http, and the Kubernetes
// timing keys.
std::optional<ProbeSpec> Probe(FileCtx& c, const toml::node& v, const std::string& key) {
  const toml::table* t = v.as_table();
  if (!t) {
    WrongType(c, v, key, "a table like { http = \"http://127.0.0.1:8080/healthz\" }");
    return std::nullopt;
  }
  static const std::vector<std::string> kKeys = {"exec",
                                                 "tcp",
                                                 "http",
                                                 "period",
                                                 "timeout",
                                                 "initial_delay",
                                                 "failure_threshold",
                                                 "success_threshold"};
  ProbeSpec p;
  int kinds = 0;
  bool ok = true;
  for (auto&& [k, sub] : *t) {
    std::string name(k.str());
    std::string full = key;
    full += '.';
    full += name;
    if (name == "exec") {
      ++kinds;
      p.kind = ProbeSpec::Kind::kExec;
      auto line = Str(c, sub, full);
      SplitResult r = SplitCommandLine(line.value_or(""));
      if (line && (r.error || r.command.words.empty())) {
        c.Error(sub, "'" + full + "': " + (r.error ? r.error->message : "empty command"));
        line.reset();
      }
      ok = ok && line;
      p.command = r.command;
    } else if (name == "tcp" || name == "http") {
      ++kinds;
      p.kind = name == "tcp" ? ProbeSpec::Kind::kTcp : ProbeSpec::Kind::kHttp;
      auto target = Str(c, sub, full);
      if (target) {
        ProbeTargetResult r = name == "tcp" ? ParseTcpTarget(*target) : ParseHttpTarget(*target);
        if (!r.target) {
          c.Error(sub, "'" + full + "': " + r.error);
          target.reset();
        }
      }
      ok = ok && target;
      if (target) p.target = *target;
    } else if (name == "period" || name == "timeout" || name == "initial_delay") {
      auto d = Dur(c, sub, full);
      if (d && *d <= base::Duration::zero() && name != "initial_delay") {
        c.Error(sub, "'" + full + "' must be more than 0");
        d.reset();
      }
      ok = ok && d;
      if (d) (name == "period" ? p.period : name == "timeout" ? p.timeout : p.initial_delay) = *d;
    } else if (name == "failure_threshold" || name == "success_threshold") {
      auto n = Int(c, sub, full, 1, 1000);
      ok = ok && n;
      if (n)
        (name == "failure_threshold" ? p.failure_threshold : p.success_threshold) =
            static_cast<int>(*n);
    } else {
      auto hint = Suggest(name, kKeys);
      c.Error(k.source(),
              "unknown key '" + full + "'" + (hint ? " (did you mean '" + *hint + "'?)" : ""));
      ok = false;
    }
  }
  if (kinds != 1) {
    c.Error(v, "'" + key +
                   "' needs exactly one of exec = \"command\", tcp = \"host:port\" or "
                   "http = \"http://host:port/path\"");
    return std::nullopt;
  }
  if (ok && key == "liveness" && p.success_threshold != 1) {
    c.Error(*t->get("success_threshold"),
            "'liveness.success_threshold' must be 1 (as in Kubernetes)");
    return std::nullopt;
  }
  return ok ? std::optional<ProbeSpec>(p) : std::nullopt;
}

// The options of a `listen` table entry beside `address`.
bool SocketOption(FileCtx& c, SocketSpec& s, const std::string& name, const toml::node& sub) {
  auto text = Str(c, sub, "listen." + name);
  if (!text) return false;
  if (name == "mode") {
    s.mode = ParseSocketMode(*text);
    if (!s.mode) c.Error(sub, R"('listen.mode' must be octal digits like "0660")");
    return s.mode.has_value();
  }
  if (name == "owner") {
    auto u = FindUser(c.load.passwd, *text);
    if (!u) c.Error(sub, "'listen.owner': unknown user '" + *text + "' (not in /etc/passwd)");
    if (u) s.uid = u->uid;
    return u.has_value();
  }
  if (name == "group") {
    auto g = FindGroup(c.load.group, *text);
    if (!g) c.Error(sub, "'listen.group': unknown group '" + *text + "' (not in /etc/group)");
    if (g) s.gid = g->gid;
    return g.has_value();
  }
  // "name": systemd's FileDescriptorName; ':' separates LISTEN_FDNAMES.
  bool ok =
      !text->empty() && text->size() <= 255 && std::all_of(text->begin(), text->end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
      });
  if (!ok) c.Error(sub, "'listen.name' must be 1-255 letters, digits, '-', '_' or '.'");
  s.name = *text;
  return ok;
}

// One entry: "tcp://..." or { address = "unix:/...", mode, owner, group, name }.
std::optional<SocketSpec> Socket(FileCtx& c, const toml::node& v) {
  const toml::table* t = v.as_table();
  const toml::node* address = t ? t->get("address") : &v;
  if (!address || (!t && !v.is_string())) {
    WrongType(c, v, "listen[]", R"(an address like "tcp://0.0.0.0:80", or { address = "..." })");
    return std::nullopt;
  }
  auto text = Str(c, *address, "listen.address");
  if (!text) return std::nullopt;
  auto s = ParseSocketAddress(*text);
  if (!s) {
    c.Error(*address, "'listen': " + s.Err().what);
    return std::nullopt;
  }
  if (!t) return s.Value();
  bool ok = true;
  for (auto&& [k, sub] : *t) {
    std::string name(k.str());
    if (name == "address") continue;
    if (name != "mode" && name != "owner" && name != "group" && name != "name") {
      auto hint = Suggest(name, {"address", "mode", "owner", "group", "name"});
      c.Error(k.source(), "unknown key 'listen." + name + "'" +
                              (hint ? " (did you mean '" + *hint + "'?)" : ""));
      ok = false;
    } else if (!SocketOption(c, *s, name, sub)) {
      ok = false;
    } else if (name != "name" && s->kind != SocketSpec::Kind::kUnix) {
      c.Error(sub, "'listen." + name + "' applies to unix sockets only");
      ok = false;
    }
  }
  return ok ? std::optional<SocketSpec>(*s) : std::nullopt;
}

// A command given as one line (split like `command`) or as its words.
std::optional<CommandLine> CommandAt(FileCtx& c, const toml::node& v, const std::string& key) {
  if (v.is_string()) {
    SplitResult r = SplitCommandLine(*v.value<std::string>());
    if (!r.error) return r.command;
    c.Error(v,
            "'" + key + "', column " + std::to_string(r.error->column) + ": " + r.error->message);
    return std::nullopt;
  }
  const toml::array* words = v.as_array();
  if (!words || words->empty()) {
    WrongType(c, v, key, "a command line string or a non-empty array of words");
    return std::nullopt;
  }
  auto list = StrList(c, v, key);
  if (!list) return std::nullopt;
  CommandLine command;
  command.words = *list;
  for (const std::string& w : *list) command.line += (command.line.empty() ? "" : " ") + w;
  return command;
}

// hooks = { exited = "/usr/local/bin/alert", fatal = ["notify", "--fatal"] }
void Hooks(FileCtx& c, Draft& d, const toml::node& v, const std::string& key) {
  const toml::table* t = v.as_table();
  if (!t) return WrongType(c, v, key, R"(a table like { exited = "/usr/local/bin/alert" })");
  for (auto&& [k, sub] : *t) {
    std::string event(k.str());
    bool known = false;
    std::string names;
    for (const char* e : kHookEvents) {
      known = known || event == e;
      names += (names.empty() ? "" : ", ") + std::string(e);
    }
    if (!known) {
      c.Error(sub,
              "'hooks': no event '" + base::Printable(event, 32) + "' (events: " + names + ")");
      continue;
    }
    if (auto command = CommandAt(c, sub, "hooks." + event)) d.spec.hooks[event] = *command;
  }
}

void Listen(FileCtx& c, Draft& d, const toml::node& v, const std::string& key) {
  const toml::array* a = v.as_array();
  if (!a && !v.is_string()) {
    return WrongType(c, v, key, R"(an array of addresses like ["tcp://0.0.0.0:80"])");
  }
  if (a && a->size() > kMaxListenSockets) {
    return c.Error(v, "'listen' has " + std::to_string(a->size()) + " addresses, at most " +
                          std::to_string(kMaxListenSockets));
  }
  std::vector<const toml::node*> entries;
  if (a) {
    for (const toml::node& e : *a) entries.push_back(&e);
  } else {
    entries.push_back(&v);
  }
  d.spec.listen.clear();
  for (const toml::node* e : entries) {
    auto s = Socket(c, *e);
    if (!s) continue;
    for (const SocketSpec& other : d.spec.listen) {
      if (other.Address() == s->Address()) {
        c.Error(*e, "'listen' has " + s->Address() + " twice");
        s.reset();
        break;
      }
    }
    if (s) d.spec.listen.push_back(*s);
  }
}

// success_exit_status = [0, 3, "SIGHUP"], or one entry alone. Only the
// first bad entry is reported: a list of 10^5 is one error, not 10^5.
void SuccessExitStatus(FileCtx& c, Draft& d, const toml::node& v, const std::string& key) {
  std::vector<const toml::node*> nodes;
  if (const toml::array* a = v.as_array()) {
    for (const toml::node& e : *a) nodes.push_back(&e);
  } else {
    nodes.push_back(&v);
  }
  std::vector<StatusEntry> entries;
  for (const toml::node* e : nodes) {
    if (e->is_integer()) {
      entries.emplace_back(*e->value<int64_t>());
    } else if (e->is_string()) {
      entries.emplace_back(*e->value<std::string>());
    } else {
      return WrongType(c, *e, v.is_array() ? key + "[]" : key,
                       R"(an exit status from 0 to 255 or a signal name, as in [0, 3, "SIGHUP"])");
    }
  }
  SuccessStatusResult r = ParseSuccessStatus(entries);
  if (!r.status) return c.Error(*nodes[r.bad], "'" + key + "': " + r.error);
  d.spec.success = *r.status;
}

using Handler = void (*)(FileCtx&, Draft&, const toml::node&, const std::string&);

struct KeyHandler {
  const char* key;
  Handler handle;
};

#define SET_IF(expr, target)              \
  do {                                    \
    if (auto x_ = (expr)) (target) = *x_; \
  } while (0)

const KeyHandler kServiceKeys[] = {
    {"command", [](FileCtx&, Draft& d, const toml::node& v, const std::string&) { d.command = &v; }},
    {"shell", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { d.shell = Bool(c, v, k); }},
    {"type", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       // "shutdown": a oneshot that runs when tend shuts down.
       auto type = Choice<int>(c, v, k, {{"simple", 0}, {"oneshot", 1}, {"shutdown", 2}});
       if (!type) return;
       d.spec.type = *type == 0 ? ServiceType::kSimple : ServiceType::kOneshot;
       d.spec.at_shutdown = *type == 2;
     }},
    {"restart", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       SET_IF((Choice<RestartPolicy>(c, v, k, {{"always", RestartPolicy::kAlways}, {"on-failure", RestartPolicy::kOnFailure}, {"never", RestartPolicy::kNever}})), d.spec.restart);
     }},
    {"backoff_initial", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { SET_IF(Dur(c, v, k), d.spec.backoff_initial); }},
    {"backoff_max", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { SET_IF(Dur(c, v, k), d.spec.backoff_max); }},
    {"start_limit", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       if (auto n = Int(c, v, k, 0, 1000000)) d.spec.start_limit = static_cast<int>(*n);
     }},
    {"start_limit_window", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { SET_IF(Dur(c, v, k), d.spec.start_limit_window); }},
    {"critical", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { SET_IF(Bool(c, v, k), d.spec.critical); }},
    {"success_exit_status", SuccessExitStatus},
    {"schedule", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       if (auto s = Str(c, v, k)) {
         CronResult r = ParseCron(*s);
         if (r.expr) d.spec.schedule = r.expr; else c.Error(v, "'schedule': " + r.error);
       }
     }},
    {"match", Match},
    {"pidfile", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       if (auto s = Str(c, v, k)) {
         if (s->empty() || (*s)[0] != '/') return c.Error(v, "'pidfile' must be an absolute path");
         d.match_set = true;
         d.spec.match = {MatchRule::Kind::kPidfile, *s};
       }
     }},
    {"daemon", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       d.daemon_set = true;
       if (v.is_boolean()) {
         d.spec.daemon = *v.value<bool>() ? DaemonMode::kYes : DaemonMode::kNo;
       } else if (v.is_string() && *v.value<std::string>() == "auto") {
         d.spec.daemon = DaemonMode::kAuto;
       } else {
         WrongType(c, v, k, "\"auto\", true or false");
       }
     }},
    {"user", [](FileCtx&, Draft& d, const toml::node& v, const std::string&) { d.user = &v; }},
    {"group", [](FileCtx&, Draft& d, const toml::node& v, const std::string&) { d.group = &v; }},
    {"groups", [](FileCtx&, Draft& d, const toml::node& v, const std::string&) { d.groups = &v; }},
    {"env", [](FileCtx&, Draft& d, const toml::node& v, const std::string&) { d.env = &v; }},
    {"env_file", [](FileCtx&, Draft& d, const toml::node& v, const std::string&) { d.env_file = &v; }},
    {"working_dir", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       if (auto s = Str(c, v, k)) {
         if (s->empty() || (*s)[0] != '/') return c.Error(v, "'working_dir' must be an absolute path");
         d.spec.working_dir = *s;
       }
     }},
    {"umask", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       std::optional<long> mask;
       if (v.is_integer()) mask = static_cast<long>(*v.value<int64_t>());
       if (std::string s = c.Text(v); v.is_string() && !s.empty() &&
                                      s.find_first_not_of("01234567") == std::string::npos) {
         mask = std::strtol(s.c_str(), nullptr, 8);
       }
       if (!mask || *mask < 0 || *mask > 0777) return c.Error(v, "'" + k + "' must be octal digits like \"022\" or 0o022");
       d.spec.umask = static_cast<mode_t>(*mask);
     }},
    {"rlimits", Rlimits},
    {"nice", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       if (auto n = Int(c, v, k, -20, 19)) d.spec.nice = static_cast<int>(*n);
     }},
    {"stop_signal", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       int sig = 0;
       if (v.is_string()) sig = base::SignalNumber(c.Text(v));
       if (v.is_integer() && *v.value<int64_t>() > 0 && *v.value<int64_t>() < 65) sig = static_cast<int>(*v.value<int64_t>());
       if (sig == 0 || sig == SIGKILL || sig == SIGSTOP) {
         return c.Error(v, "'" + k +
                               R"(' must be a signal name like "SIGTERM", "INT" or a number (not KILL or STOP))");
       }
       d.spec.stop_signal = sig;
     }},
    {"stop_timeout", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { d.spec.stop_timeout = Dur(c, v, k); }},
    {"kill_mode", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       auto s = Str(c, v, k);
       if (!s) return;
       if (*s == "group") {
         d.spec.kill_mode = KillMode::kGroup;
       } else if (*s == "main") {
         d.spec.kill_mode = KillMode::kMain;
       } else {
         c.Error(v, R"('kill_mode' must be "group" (stop everything the service owns) or "main" (only its main process))");
       }
     }},
    {"restart_order", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       auto s = Str(c, v, k);
       if (!s) return;
       if (*s == "start-first") {
         d.spec.restart_order = RestartOrder::kStartFirst;
       } else if (*s == "stop-first") {
         d.spec.restart_order = RestartOrder::kStopFirst;
       } else {
         c.Error(v, R"('restart_order' must be "start-first" (the new instance starts, the old one stops once it is ready) or "stop-first")");
       }
     }},
    {"hooks", Hooks},
    {"hook_timeout", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { SET_IF(Dur(c, v, k), d.spec.hook_timeout); }},
    {"stop_command", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       if (auto s = Str(c, v, k)) {
         SplitResult r = SplitCommandLine(*s);
         if (r.error) return c.Error(v, "'stop_command', column " + std::to_string(r.error->column) + ": " + r.error->message);
         d.spec.stop_command = r.command;
       }
     }},
    {"depends_on", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { SET_IF(StrList(c, v, k), d.spec.depends_on); }},
    {"stdout", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { SET_IF(Output(c, v, k), d.spec.out); }},
    {"stderr", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { SET_IF(Output(c, v, k), d.spec.err); }},
    {"listen", Listen},
    // Read before the other keys, by InstanceCount: it says how often the table is read.
    {"instances", [](FileCtx&, Draft&, const toml::node&, const std::string&) {}},
    {"ready_after", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { d.spec.ready_after = Dur(c, v, k); }},
    {"notify_fd", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       if (auto n = Int(c, v, k, 3, 1023)) d.spec.notify_fd = static_cast<int>(*n);
     }},
    {"notify", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       SET_IF((Choice<bool>(c, v, k, {{"systemd", true}, {"none", false}})), d.spec.notify_systemd);
     }},
    {"watchdog_sec", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) {
       auto dur = Dur(c, v, k);
       if (dur && *dur < base::milliseconds(10)) return c.Error(v, "'" + k + "' must be at least 10ms");
       d.spec.watchdog = dur;
     }},
    {"start_timeout", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { SET_IF(Dur(c, v, k), d.spec.start_timeout); }},
    {"liveness", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { d.spec.liveness = Probe(c, v, k); }},
    {"readiness", [](FileCtx& c, Draft& d, const toml::node& v, const std::string& k) { d.spec.readiness = Probe(c, v, k); }},
};

struct GlobalHandler {
  const char* key;
  void (*handle)(FileCtx&, GlobalSettings&, const toml::node&, const std::string&);
};

const GlobalHandler kGlobalKeys[] = {
    {"grace", [](FileCtx& c, GlobalSettings& g, const toml::node& v,
                 const std::string& k) { g.grace = Dur(c, v, k); }},
    {"restart",
     [](FileCtx& c, GlobalSettings& g, const toml::node& v, const std::string& k) {
       g.restart = Choice<RestartPolicy>(c, v, k,
                                         {{"always", RestartPolicy::kAlways},
                                          {"on-failure", RestartPolicy::kOnFailure},
                                          {"never", RestartPolicy::kNever}});
     }},
    {"scan_interval", [](FileCtx& c, GlobalSettings& g, const toml::node& v,
                         const std::string& k) { g.scan_interval = Dur(c, v, k); }},
    {"log_format",
     [](FileCtx& c, GlobalSettings& g, const toml::node& v, const std::string& k) {
       SET_IF(
           (Choice<LogFormat>(c, v, k, {{"plain", LogFormat::kPlain}, {"json", LogFormat::kJson}})),
           g.log_format);
     }},
    {"timestamps", [](FileCtx& c, GlobalSettings& g, const toml::node& v,
                      const std::string& k) { SET_IF(Bool(c, v, k), g.timestamps); }},
    {"control_socket",
     [](FileCtx& c, GlobalSettings& g, const toml::node& v, const std::string& k) {
       auto s = Str(c, v, k);
       if (s && !s->empty() && (*s)[0] != '/') {
         return c.Error(v, "'control_socket' must be an absolute path, or \"\" to disable it");
       }
       g.control_socket = s;
     }},
    {"http_listen",
     [](FileCtx& c, GlobalSettings& g, const toml::node& v, const std::string& k) {
       auto s = Str(c, v, k);
       if (!s || s->empty()) {
         g.http_listen = s;
         return;
       }
       if (auto a = ParseListenAddress(*s); !a) return c.Error(v, a.Err().Describe());
       g.http_listen = s;
     }},
    {"syslog",
     [](FileCtx& c, GlobalSettings& g, const toml::node& v, const std::string& k) {
       auto s = Str(c, v, k);
       if (s && !s->empty() && (*s)[0] != '/') {
         return c.Error(v,
                        "'syslog' must be an absolute path (like \"/dev/log\"), or \"\" to "
                        "turn syslog capture off");
       }
       g.syslog = s;
     }},
    {"control_group",
     [](FileCtx& c, GlobalSettings& g, const toml::node& v, const std::string& k) {
       auto s = Str(c, v, k);
       if (!s) return;
       auto grp = FindGroup(c.load.group, *s);
       if (!grp) return c.Error(v, "unknown group '" + *s + "' (not in /etc/group)");
       g.control_group = grp->gid;
     }},
};

// ${VAR} and ${VAR:-default} from tend's own environment; "$$" is a "$".
std::string Expand(const std::string& in, const LoadContext& load) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '$' || i + 1 >= in.size()) {
      out += in[i];
      continue;
    }
    if (in[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    size_t close = in[i + 1] == '{' ? in.find('}', i + 2) : std::string::npos;
    if (close == std::string::npos) {
      out += in[i];
      continue;
    }
    std::string body = in.substr(i + 2, close - i - 2);
    std::string fallback;
    if (size_t dflt = body.find(":-"); dflt != std::string::npos) {
      fallback = body.substr(dflt + 2);
      body.resize(dflt);
    }
    auto value = load.env ? load.env(body) : std::nullopt;
    out += value && !value->empty() ? *value : fallback;
    i = close;
  }
  return out;
}

// The env_file is read at each start of the service (app/env_files); here
// it is checked as it is now, so that a typo in its path or a bad line is
// found before anything runs. One that is not there yet is fine for a
// service that depends_on others: one of them may write it (a oneshot that
// prepares the configuration), and its start says so if none did.
void EnvFile(FileCtx& c, Draft& d, const toml::node& v) {
  auto path = Str(c, v, "env_file");
  if (!path) return;
  if (path->empty()) return c.Error(v, "'env_file' must name a file (or leave the key out)");
  d.spec.env_file = *path;
  auto text = c.load.read_file ? c.load.read_file(*path) : std::nullopt;
  if (!text) {
    if (!d.spec.depends_on.empty()) return;
    return c.Error(v, "'env_file' cannot be read: " + *path +
                          " (check the path; if another service writes it, add that service to "
                          "depends_on: the file is read at each start)");
  }
  if (auto bound = CheckText(*text, *path)) return c.errors.push_back(*bound);
  for (const EnvFileError& e : ParseEnvFile(*text).errors) {
    c.errors.push_back({*path, e.line, 1, e.message});
  }
}

void Env(FileCtx& c, Draft& d, const toml::node& v) {
  const toml::table* t = v.as_table();
  if (!t) return WrongType(c, v, "env", "a table like { KEY = \"value\" }");
  for (auto&& [k, sub] : *t) {
    std::string name(k.str());
    if (auto s = Str(c, sub, "env." + name)) d.spec.env.push_back(name + "=" + Expand(*s, c.load));
  }
}

void Credentials(FileCtx& c, Draft& d) {
  if (!d.user && !d.group && !d.groups) return;
  spec::Credentials cred;
  if (d.user) {
    auto name = Str(c, *d.user, "user");
    if (!name) return;
    auto u = FindUser(c.load.passwd, *name);
    if (!u) {
      return c.Error(*d.user,
                     "unknown user '" + *name + "' (not in /etc/passwd: add it, or give a uid)");
    }
    cred = {u->uid, u->gid, GroupsOfUser(c.load.group, u->name), u->name, u->home};
  }
  if (d.group) {
    auto name = Str(c, *d.group, "group");
    if (!name) return;
    auto g = FindGroup(c.load.group, *name);
    if (!g)
      return c.Error(*d.group,
                     "unknown group '" + *name + "' (not in /etc/group: add it, or give a gid)");
    cred.gid = g->gid;
  }
  if (d.groups) {
    auto names = StrList(c, *d.groups, "groups");
    if (!names) return;
    cred.groups.clear();
    for (const std::string& n : *names) {
      auto g = FindGroup(c.load.group, n);
      if (!g)
        return c.Error(*d.groups, "unknown group '" + n + "' in 'groups' (not in /etc/group)");
      cred.groups.push_back(g->gid);
    }
  }
  d.spec.credentials = cred;
}

void Command(FileCtx& c, Draft& d, const toml::node& table) {
  if (!d.command) {
    return c.Error(table, "service '" + d.spec.name + "' has no 'command': add command = \"...\"");
  }
  const toml::node& v = *d.command;
  if (v.is_string()) {
    SplitResult r = SplitCommandLine(c.Text(v));
    if (r.error) {
      return c.Error(
          v, "'command', column " + std::to_string(r.error->column) + ": " + r.error->message);
    }
    d.spec.command = r.command;
    if (d.shell) d.spec.command.needs_shell = *d.shell;
  } else if (auto words = v.as_array(); words && !words->empty()) {
    auto list = StrList(c, v, "command");
    if (!list) return;
    if (d.shell && *d.shell) return c.Error(v, "'shell = true' needs 'command' as one string");
    d.spec.command.words = *list;
    for (const std::string& w : *list)
      d.spec.command.line += (d.spec.command.line.empty() ? "" : " ") + w;
  } else {
    return WrongType(c, v, "command", "a command line string or a non-empty array of words");
  }
  if (!d.match_set) d.spec.match = {MatchRule::Kind::kName, NameFor(d.spec.command)};
  if (!d.daemon_set) d.spec.daemon = DefaultDaemonMode(d.spec.match);
}

std::vector<std::string> Names(const KeyHandler* begin, const KeyHandler* end) {
  std::vector<std::string> out;
  for (const KeyHandler* h = begin; h != end; ++h) out.emplace_back(h->key);
  return out;
}

// A service's table as one service: its keys, then what needs several of
// them at once.
ServiceSpec ReadService(FileCtx& c, const std::string& name, const toml::node& node) {
  Draft d;
  d.spec.name = name;
  static const std::vector<std::string> kNames =
      Names(std::begin(kServiceKeys), std::end(kServiceKeys));
  for (auto&& [k, v] : *node.as_table()) {
    std::string key(k.str());
    auto h = std::find_if(std::begin(kServiceKeys), std::end(kServiceKeys),
                          [&](const KeyHandler& kh) { return key == kh.key; });
    if (h == std::end(kServiceKeys)) {
      auto hint = Suggest(key, kNames);
      std::string text = "unknown key '" + key;
      text.append("' in service '").append(name).append("'");
      if (hint) text += " (did you mean '" + *hint + "'?)";
      c.Error(k.source(), text);
      continue;
    }
    h->handle(c, d, v, key);
  }
  Command(c, d, node);
  Credentials(c, d);
  if (d.env_file) EnvFile(c, d, *d.env_file);
  if (d.env) Env(c, d, *d.env);
  if (d.spec.notify_fd && static_cast<size_t>(*d.spec.notify_fd) < 3 + d.spec.listen.size()) {
    c.Error(node, "service '" + name + "': notify_fd " + std::to_string(*d.spec.notify_fd) +
                      " is one of its listen sockets' fds (3-" +
                      std::to_string(2 + d.spec.listen.size()) + "): use notify_fd = " +
                      std::to_string(3 + d.spec.listen.size()) + " or higher");
  }
  if (d.spec.backoff_max < d.spec.backoff_initial) {
    c.Error(node, "service '" + name + "': backoff_max must not be below backoff_initial");
  }
  return std::move(d.spec);
}

// The table's `instances`; 0 when it has none (a service on its own), and
// when it is wrong (reported: the service is then read as one, so its
// other errors are found too).
int InstanceCount(FileCtx& c, const std::string& name, const toml::table& t) {
  const toml::node* v = t.get("instances");
  if (!v) return 0;
  auto n = Int(c, *v, "instances", 1, kMaxInstances);
  if (!n) return 0;
  if (auto too_long = InstanceNamesTooLong(name, static_cast<int>(*n))) {
    c.Error(*v, *too_long);
    return 0;
  }
  return static_cast<int>(*n);
}

// Instances 1..count of the group `name`, each read from the table with its
// number. The first instance with errors says enough: the rest are copies
// of it under their own names, so later checks still know every name;
// past a bound on all instances, only the first is kept.
std::vector<ServiceSpec> ReadInstances(FileCtx& c, const std::string& name, const toml::node& node,
                                       int count, InstanceTally& tally) {
  std::vector<ServiceSpec> out;
  size_t before = c.errors.size();
  for (int k = 1; k <= count && c.errors.size() == before; ++k) {
    FileCtx instance{c.file, c.load, c.errors, k};
    ServiceSpec s = ReadService(instance, name, node);
    s.name = InstanceName(name, k, count);
    s.group = name;
    s.instance = k;
    s.env.push_back(std::string(kInstanceVariable) + "=" + std::to_string(k));
    for (size_t e = before; k > 1 && e < c.errors.size(); ++e) {
      c.errors[e].message += " (in instance " + s.name + ")";
    }
    out.push_back(std::move(s));
    // Before the other instances are read: a bound must hold before it is crossed.
    if (auto too_many = k == 1 ? Tally(tally, out[0], count) : std::nullopt) {
      c.Error(node, "service '" + name + "': " + *too_many);
      return out;
    }
  }
  if (c.errors.size() == before) {
    for (const std::string& e : CheckInstances(out)) {
      std::string text = "service '" + name;
      c.Error(node, text.append("': ").append(e));
    }
  }
  while (out.size() < static_cast<size_t>(count)) {
    ServiceSpec s = out.back();
    s.instance = static_cast<int>(out.size()) + 1;
    s.name = InstanceName(name, s.instance, count);
    out.push_back(std::move(s));
  }
  return out;
}

void Service(FileCtx& c, const std::string& name, const toml::node& node, Config& config) {
  const toml::table* t = node.as_table();
  if (!t) return WrongType(c, node, "services." + name, "a table");
  if (name.size() > kMaxNameBytes) return c.Error(node, NameTooLong(name));
  if (!std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
      })) {
    return c.Error(node, "bad service name '" + base::Printable(name) +
                             "': use letters, digits, '-', '_' or '.'");
  }
  // A service with errors still joins, so later checks know its name.
  int count = InstanceCount(c, name, *t);
  std::vector<ServiceSpec> specs;
  if (count == 0) {
    specs.push_back(ReadService(c, name, node));
  } else {
    specs = ReadInstances(c, name, node, count, config.instances);
  }
  for (ServiceSpec& s : specs) {
    config.services.push_back(std::move(s));
    config.origins.push_back({c.file, static_cast<int>(node.source().begin.line),
                              static_cast<int>(node.source().begin.column),
                              t->contains("restart")});
  }
}

void Global(FileCtx& c, const toml::node& node, Config& config) {
  const toml::table* t = node.as_table();
  if (!t) return WrongType(c, node, "tend", "a table");
  std::vector<std::string> names;
  for (const GlobalHandler& h : kGlobalKeys) names.emplace_back(h.key);
  for (auto&& [k, v] : *t) {
    std::string key(k.str());
    auto h = std::find_if(std::begin(kGlobalKeys), std::end(kGlobalKeys),
                          [&](const GlobalHandler& gh) { return key == gh.key; });
    if (h == std::end(kGlobalKeys)) {
      auto hint = Suggest(key, names);
      c.Error(k.source(), "unknown key '" + key + "' in [tend]" +
                              (hint ? " (did you mean '" + *hint + "'?)" : ""));
      continue;
    }
    h->handle(c, config.global, v, key);
  }
}

}  // namespace

void ParseToml(std::string_view text, const std::string& file, const LoadContext& ctx,
               Config& config, std::vector<Diagnostic>& errors) {
  FileCtx c{file, ctx, errors};
  // toml++ must never see what could exhaust the stack (config_bounds.h).
  auto bound = CheckText(text, file);
  if (!bound) bound = PrescanToml(text, file);
  if (bound) return errors.push_back(*bound);
  toml::parse_result r = toml::parse(text, file);
  if (!r) {
    const toml::parse_error& e = r.error();
    errors.push_back({file, static_cast<int>(e.source().begin.line),
                      static_cast<int>(e.source().begin.column),
                      "TOML syntax: " + std::string(e.description())});
    return;
  }
  for (auto&& [k, v] : r.table()) {
    std::string key(k.str());
    if (key == "tend") {
      Global(c, v, config);
    } else if (key == "services") {
      const toml::table* services = v.as_table();
      if (!services) {
        WrongType(c, v, "services", "a table of [services.NAME] tables");
        continue;
      }
      // toml++ keeps keys sorted; services start in the order they are written.
      std::vector<std::pair<std::string, const toml::node*>> ordered;
      for (auto&& [name, service] : *services)
        ordered.emplace_back(std::string(name.str()), &service);
      std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
        const auto& pa = a.second->source().begin;
        const auto& pb = b.second->source().begin;
        return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
      });
      for (const auto& [name, service] : ordered) Service(c, name, *service, config);
    } else {
      auto hint = Suggest(key, {"tend", "services"});
      c.Error(k.source(), "unknown table or key '" + key + "' (tend.toml has [tend] and " +
                              "[services.NAME])" + (hint ? "; did you mean '" + *hint + "'?" : ""));
    }
  }
}

const std::vector<std::string>& ServiceKeys() {
  static const std::vector<std::string> kKeys =
      Names(std::begin(kServiceKeys), std::end(kServiceKeys));
  return kKeys;
}

const std::vector<std::string>& GlobalKeys() {
  static const std::vector<std::string> kKeys = [] {
    std::vector<std::string> out;
    for (const GlobalHandler& h : kGlobalKeys) out.emplace_back(h.key);
    return out;
  }();
  return kKeys;
}

}  // namespace spec
