#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

#include "base/text.h"
#include "config/config_bounds.h"
#include "config/naming.h"

namespace spec {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

// Adds one service from a line-based format (Procfile, processes_run.csv).
void AddLineService(std::string_view name, std::string_view command, const std::string& file,
                    int line, int column, bool name_is_process, Config& config,
                    std::vector<Diagnostic>& errors) {
  SplitResult r = SplitCommandLine(command);
  if (r.error) {
    errors.push_back({file, line, column + static_cast<int>(r.error->column) - 1,
                      "command of '" + std::string(name) + "': " + r.error->message});
    return;
  }
  ServiceSpec s;
  s.name = std::string(name);
  s.command = std::move(r.command);
  // cfe-docker's first column is the process to look for; a Procfile name is
  // only a label, so its daemon (if any) is named after the executable.
  s.match.pattern = name_is_process ? s.name : NameFor(s.command);
  s.daemon = DefaultDaemonMode(s.match);
  config.services.push_back(std::move(s));
  config.origins.push_back({file, line, 1});
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '@' || c == '+';
  });
}

template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  int number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view body = Trim(line);
    if (body.empty() || body[0] == '#') continue;
    fn(line, number);
  }
}

}  // namespace

std::string Diagnostic::Format() const {
  if (file.empty()) return message;
  std::string where = file;
  if (line > 0) where += ":" + std::to_string(line) + ":" + std::to_string(column > 0 ? column : 1);
  return where + ": " + message;
}

std::optional<base::Duration> ParseDuration(std::string_view text) {
  text = Trim(text);
  std::string number(text.substr(0, text.find_first_not_of("0123456789.")));
  if (!base::IsDecimal(number)) return std::nullopt;  // no sign, hex, exponent, inf
  double v = std::strtod(number.c_str(), nullptr);
  std::string unit(Trim(text.substr(number.size())));
  double scale = 1;
  if (unit == "ms")
    scale = 1e-3;
  else if (unit == "s" || unit.empty())
    scale = 1;
  else if (unit == "m" || unit == "min")
    scale = 60;
  else if (unit == "h")
    scale = 3600;
  else
    return std::nullopt;
  double seconds = v * scale;
  if (seconds > 365.0 * 24 * 3600) return std::nullopt;
  return std::chrono::duration_cast<base::Duration>(std::chrono::duration<double>(seconds));
}

std::optional<uint64_t> ParseSize(std::string_view text) {
  text = Trim(text);
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
  std::string s(text);
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  std::string unit = Trim(std::string_view(end)).data();
  uint64_t scale = 1;
  if (unit == "K" || unit == "KB" || unit == "KiB" || unit == "k")
    scale = 1024;
  else if (unit == "M" || unit == "MB" || unit == "MiB")
    scale = uint64_t{1024} * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GiB")
    scale = 1024ULL * 1024 * 1024;
  else if (!unit.empty() && unit != "B")
    return std::nullopt;
  if (v > (1ULL << 50) / scale) return std::nullopt;
  return v * scale;
}

std::optional<std::string> Suggest(std::string_view word,
                                   const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

namespace {

// The two line formats differ only in their separator and their wording.
struct LineFormat {
  char separator;
  const char* shape;      // what a line should look like
  const char* name_hint;  // how to fix a bad name
  bool name_is_process;   // the name is also the process to match
};

void ParseLineFormat(std::string_view text, const std::string& file, const LineFormat& f,
                     Config& config, std::vector<Diagnostic>& errors) {
  if (auto bound = CheckText(text, file)) return errors.push_back(*bound);
  ForEachLine(text, [&](std::string_view line, int number) {
    size_t sep = line.find(f.separator);
    std::string_view name = Trim(line.substr(0, sep));
    int name_col = static_cast<int>(line.find_first_not_of(" \t")) + 1;
    if (sep == std::string_view::npos) {
      errors.push_back(
          {file, number, name_col,
           std::string("expected '") + f.shape + "', got '" + base::Printable(line) + "'"});
      return;
    }
    if (name.size() > kMaxNameBytes) {
      errors.push_back({file, number, name_col, NameTooLong(name)});
      return;
    }
    if (!ValidName(name)) {
      errors.push_back({file, number, name_col,
                        "bad process name '" + base::Printable(name) + "': " + f.name_hint});
      return;
    }
    size_t start = line.find_first_not_of(" \t", sep + 1);
    int cmd_col = static_cast<int>(start == std::string_view::npos ? sep + 2 : start + 1);
    AddLineService(name, Trim(line.substr(sep + 1)), file, number, cmd_col, f.name_is_process,
                   config, errors);
  });
}

}  // namespace

void ParseProcfile(std::string_view text, const std::string& file, Config& config,
                   std::vector<Diagnostic>& errors) {
  ParseLineFormat(text, file, {':', "name: command", "use letters, digits, '-', '_' or '.'", false},
                  config, errors);
}

void ParseCfeCsv(std::string_view text, const std::string& file, Config& config,
                 std::vector<Diagnostic>& errors) {
  ParseLineFormat(text, file,
                  {',', "PROCESS_NAME, START_COMMAND",
                   "the first column is the process to look for, like apache2", true},
                  config, errors);
}

namespace {

// Depth-first search for a dependency cycle; returns it as "a -> b -> a".
bool FindCycle(size_t i, const std::vector<std::vector<size_t>>& edges, std::vector<int>& color,
               std::vector<size_t>& path, const Config& config, std::string& cycle) {
  color[i] = 1;
  path.push_back(i);
  for (size_t j : edges[i]) {
    if (color[j] == 1) {
      auto from = std::find(path.begin(), path.end(), j);
      for (auto it = from; it != path.end(); ++it) cycle += config.services[*it].name + " -> ";
      cycle += config.services[j].name;
      return true;
    }
    if (color[j] == 0 && FindCycle(j, edges, color, path, config, cycle)) return true;
  }
  path.pop_back();
  color[i] = 2;
  return false;
}

// Two services cannot hold one address: tend binds each once.
void CheckSocketsUnique(const Config& config, std::vector<Diagnostic>& errors) {
  std::map<std::string, std::string> owner;
  for (size_t i = 0; i < config.services.size(); ++i) {
    const ServiceSpec& s = config.services[i];
    for (const SocketSpec& socket : s.listen) {
      // A group's instances share the sockets it lists (one listener, many acceptors).
      auto [it, fresh] = owner.emplace(socket.Address(), s.GroupName());
      if (fresh || it->second == s.GroupName()) continue;
      const Origin& o = config.origins[i];
      errors.push_back({o.file, o.line, o.column,
                        "service '" + s.GroupName() + "': 'listen' address " + socket.Address() +
                            " is also in service '" + it->second +
                            "': each address belongs to one service"});
    }
  }
}

// Where service i was defined, as "t.toml:3".
std::string Where(const Config& config, size_t i) {
  const Origin& o = config.origins[i];
  return o.file + (o.line > 0 ? ":" + std::to_string(o.line) : "");
}

// A service as an error names it: "service 'web'", "instance 2 of 'worker'".
std::string Describe(const ServiceSpec& s) {
  if (s.instance == 0) return "service '" + s.name + "'";
  return "instance " + std::to_string(s.instance) + " of '" + s.group + "'";
}

// Services `first` and `second` have one name.
std::string Clash(const Config& config, size_t first, size_t second) {
  const ServiceSpec& a = config.services[first];
  const ServiceSpec& b = config.services[second];
  if (a.instance == 0 && b.instance == 0) {
    return "duplicate service name '" + b.name + "' (first defined at " + Where(config, first) +
           "); rename one of them";
  }
  return "service name '" + b.name + "' is taken twice: by " + Describe(a) + " (" +
         Where(config, first) + ") and by " + Describe(b) + " (" + Where(config, second) +
         "); rename one of them, or change 'instances'";
}

// A group's name means all its instances (tendctl, depends_on), so no
// service outside the group may have it.
void CheckGroupNames(const Config& config, const std::map<std::string, size_t>& index,
                     std::vector<Diagnostic>& errors) {
  for (size_t i = 0; i < config.services.size(); ++i) {
    const ServiceSpec& s = config.services[i];
    if (s.instance != 1) continue;
    auto it = index.find(s.group);
    if (it == index.end() || config.services[it->second].group == s.group) continue;
    const Origin& o = config.origins[it->second];
    errors.push_back({o.file, o.line, o.column,
                      "service '" + s.group + "' (" + Where(config, it->second) +
                          ") has the name of the instances of '" + s.group + "' (" +
                          Where(config, i) +
                          "), which tendctl and depends_on use for them all: rename one of them"});
  }
}

// The services `name` means: the one so named, or every instance of a group.
std::vector<size_t> Named(const Config& config, const std::string& name) {
  std::vector<size_t> out;
  for (size_t i = 0; i < config.services.size(); ++i) {
    if (config.services[i].IsCalled(name)) out.push_back(i);
  }
  return out;
}

}  // namespace

void CheckConfig(Config& config, std::vector<Diagnostic>& errors) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < config.services.size(); ++i) {
    const Origin& o = config.origins[i];
    auto [it, fresh] = index.emplace(config.services[i].name, i);
    if (!fresh) errors.push_back({o.file, o.line, o.column, Clash(config, it->second, i)});
  }
  CheckGroupNames(config, index, errors);
  std::vector<std::string> names;
  names.reserve(index.size());
  for (const auto& [name, i] : index) names.push_back(name);
  for (const ServiceSpec& s : config.services) {
    if (s.instance == 1) names.push_back(s.group);
  }
  std::vector<std::vector<size_t>> edges(config.services.size());
  for (size_t i = 0; i < config.services.size(); ++i) {
    const ServiceSpec& s = config.services[i];
    const Origin& o = config.origins[i];
    for (const std::string& dep : s.depends_on) {
      // A group's name means every instance: it waits for all of them.
      std::vector<size_t> to = Named(config, dep);
      if (to.empty()) {
        auto hint = Suggest(dep, names);
        errors.push_back({o.file, o.line, o.column,
                          "service '" + s.name + "' depends on unknown service '" + dep + "'" +
                              (hint ? " (did you mean '" + *hint + "'?)" : "")});
      }
      edges[i].insert(edges[i].end(), to.begin(), to.end());
    }
    if (s.schedule && s.type != ServiceType::kOneshot) {
      errors.push_back({o.file, o.line, o.column,
                        "service '" + s.name +
                            "' has a schedule but is not a oneshot: add "
                            "type = \"oneshot\""});
    }
  }
  CheckSocketsUnique(config, errors);
  std::vector<int> color(config.services.size(), 0);
  for (size_t i = 0; i < config.services.size(); ++i) {
    std::vector<size_t> path;
    std::string cycle;
    if (color[i] == 0 && FindCycle(i, edges, color, path, config, cycle)) {
      const Origin& o = config.origins[i];
      errors.push_back({o.file, o.line, o.column,
                        "dependency cycle: " + cycle + " (remove one of these depends_on)"});
      break;
    }
  }
}

}  // namespace spec
