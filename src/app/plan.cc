#include "app/plan.h"

#include <cerrno>
#include <cstring>

#include "base/signal_names.h"
#include "config/critical.h"
#include "os/files.h"

namespace app {
namespace {

enum class Format { kToml, kProcfile, kCsv };

Format Guess(const std::string& path) {
  auto ends = [&](const char* s) {
    std::string suffix(s);
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends(".csv")) return Format::kCsv;
  if (ends("Procfile") || ends(".procfile")) return Format::kProcfile;
  return Format::kToml;
}

void ReadSource(const std::string& path, Format format, const spec::LoadContext& ctx,
                spec::Config& config, std::vector<spec::Diagnostic>& errors) {
  auto text = os::ReadFile(path);
  if (!text) {
    errors.push_back({path, 0, 0, std::string("cannot read: ") + std::strerror(errno)});
    return;
  }
  switch (format) {
    case Format::kToml: spec::ParseToml(*text, path, ctx, config, errors); break;
    case Format::kProcfile: spec::ParseProcfile(*text, path, config, errors); break;
    case Format::kCsv: spec::ParseCfeCsv(*text, path, config, errors); break;
  }
}

std::vector<std::pair<std::string, Format>> Sources(const spec::Options& o) {
  std::vector<std::pair<std::string, Format>> out;
  if (o.check && !o.check_files.empty()) {
    for (const std::string& f : o.check_files) out.emplace_back(f, Guess(f));
    return out;
  }
  if (!o.config.empty()) {
    out.emplace_back(o.config, Format::kToml);
  } else if (o.procfile.empty() && o.cfe_csv.empty() && o.services.empty()) {
    if (os::Exists(kDefaultConfig)) out.emplace_back(kDefaultConfig, Format::kToml);
    for (const std::string& f : os::ListDir(kDefaultConfigDir, ".toml")) {
      out.emplace_back(std::string(kDefaultConfigDir) + "/" + f, Format::kToml);
    }
  }
  if (!o.procfile.empty()) out.emplace_back(o.procfile, Format::kProcfile);
  if (!o.cfe_csv.empty()) out.emplace_back(o.cfe_csv, Format::kCsv);
  return out;
}

}  // namespace

std::string SyslogPath(const Plan& plan, int self_pid) {
  return plan.syslog.value_or(self_pid == 1 ? "/dev/log" : "");
}

PlanResult LoadPlan(const spec::Options& o, const spec::EnvLookup& env) {
  PlanResult r;
  spec::LoadContext ctx;
  ctx.env = env;
  ctx.read_file = [](const std::string& path) { return os::ReadFile(path); };
  ctx.is_dir = [](const std::string& path) { return os::IsDirectory(path); };
  ctx.passwd = os::ReadFile("/etc/passwd").value_or("");
  ctx.group = os::ReadFile("/etc/group").value_or("");

  spec::Config config;
  auto sources = Sources(o);
  for (const auto& [path, format] : sources) ReadSource(path, format, ctx, config, r.errors);
  for (const spec::ServiceSpec& s : o.services) {
    config.services.push_back(s);
    config.origins.push_back({"command line", 0, 0, true});
  }
  if (config.services.empty() && r.errors.empty()) {
    r.errors.push_back({"", 0, 0,
                        "no command given: tend \"/usr/sbin/sshd -D\" \"/etc/init.d/apache2 "
                        "start\", or --config, --procfile, --cfe-csv, or " +
                            std::string(kDefaultConfig) + " (see tend --help)"});
  }
  spec::CheckConfig(config, r.errors);

  const spec::GlobalSettings& g = config.global;
  Plan& p = r.plan;
  p.grace = o.given.count("grace") ? o.grace : g.grace.value_or(o.grace);
  p.scan_interval =
      o.given.count("scan-interval") ? o.scan_interval : g.scan_interval.value_or(o.scan_interval);
  p.lineage_window = o.lineage_window;
  p.log_format = g.log_format;
  p.control = o.given.count("control") ? o.control : g.control_socket.value_or(o.control);
  p.control_explicit = o.given.count("control") || g.control_socket.has_value();
  p.control_group = g.control_group;
  p.http_listen =
      o.given.count("http-listen") ? o.http_listen : g.http_listen.value_or(o.http_listen);
  p.timestamps = g.timestamps;
  p.syslog = o.given.count("syslog") ? o.syslog : g.syslog;
  spec::RestartPolicy fallback =
      o.given.count("restart") ? o.restart : g.restart.value_or(spec::RestartPolicy::kAlways);
  for (size_t i = 0; i < config.services.size(); ++i) {
    spec::ServiceSpec& s = config.services[i];
    if (!config.origins[i].restart_set) s.restart = fallback;
    if (!o.prefix) {
      if (s.out.mode == spec::OutputSpec::Mode::kPrefix)
        s.out.mode = spec::OutputSpec::Mode::kInherit;
      if (s.err.mode == spec::OutputSpec::Mode::kPrefix)
        s.err.mode = spec::OutputSpec::Mode::kInherit;
    }
  }
  // After the restart fallback: a critical one named here is never restarted.
  spec::MarkCritical(o.critical, o.critical_from, config.services, r.errors);
  p.services = std::move(config.services);
  return r;
}

namespace {

std::string Seconds(base::Duration d) { return base::FormatDuration(d); }

std::string OutputText(const spec::OutputSpec& o) {
  switch (o.mode) {
    case spec::OutputSpec::Mode::kPrefix: return "prefix";
    case spec::OutputSpec::Mode::kInherit: return "inherit";
    case spec::OutputSpec::Mode::kNull: return "null";
    case spec::OutputSpec::Mode::kFile:
      return o.path + " (rotate at " + std::to_string(o.max_size) + " bytes, keep " +
             std::to_string(o.keep) + ")";
  }
  return "?";
}

}  // namespace

std::string DescribePlan(const Plan& p) {
  std::string out = "grace " + Seconds(p.grace) + ", log format " +
                    (p.log_format == spec::LogFormat::kJson ? "json" : "plain") +
                    (p.timestamps ? ", timestamps" : "") + "\n";
  for (const spec::ServiceSpec& s : p.services) {
    out += "\n[" + s.name + "]\n";
    if (s.instance > 0)
      out += "  instance: " + std::to_string(s.instance) + " of " + s.group + "\n";
    std::string argv;
    for (const std::string& w : s.command.Argv())
      argv += (argv.empty() ? "" : " ") + ("'" + w + "'");
    out += "  exec:     " + argv + (s.command.needs_shell ? "  (through a shell)" : "") + "\n";
    out +=
        "  type:     " + std::string(s.type == spec::ServiceType::kOneshot ? "oneshot" : "simple");
    if (s.schedule) out += ", schedule \"" + s.schedule->text + "\" (UTC)";
    out += "\n  restart:  " + std::string(spec::RestartPolicyName(s.restart)) + ", backoff " +
           Seconds(s.backoff_initial) + " to " + Seconds(s.backoff_max);
    if (s.start_limit > 0) {
      out += ", fatal after " + std::to_string(s.start_limit) + " starts in " +
             Seconds(s.start_limit_window);
    }
    if (s.critical) out += ", critical";
    if (!s.success.IsDefault()) out += "\n  success:  exit status " + s.success.Describe();
    out += "\n  daemon:   " +
           std::string(s.daemon == spec::DaemonMode::kAuto  ? "auto"
                       : s.daemon == spec::DaemonMode::kYes ? "yes"
                                                            : "no") +
           ", match process " + s.match.Describe() + "\n";
    if (s.credentials) {
      out += "  user:     uid " + std::to_string(s.credentials->uid) + " (" + s.credentials->user +
             "), gid " + std::to_string(s.credentials->gid) + "\n";
    }
    if (!s.depends_on.empty()) {
      std::string deps;
      for (const std::string& d : s.depends_on) deps += (deps.empty() ? "" : ", ") + d;
      out += "  after:    " + deps + "\n";
    }
    if (!s.env_file.empty()) out += "  env_file: " + s.env_file + " (read at each start)\n";
    for (const std::string& e : s.env) out += "  env:      " + e + "\n";
    if (!s.working_dir.empty()) out += "  cwd:      " + s.working_dir + "\n";
    out += "  stop:     " +
           (s.stop_command ? "'" + s.stop_command->line + "'" : base::SignalName(s.stop_signal)) +
           ", then SIGKILL after " + Seconds(s.stop_timeout.value_or(p.grace)) + "\n";
    out += "  stdout:   " + OutputText(s.out) + "\n  stderr:   " + OutputText(s.err) + "\n";
    for (size_t k = 0; k < s.listen.size(); ++k) {
      out += "  listen:   fd " + std::to_string(3 + k) + ", " + s.listen[k].Address() + "\n";
    }
  }
  return out;
}

core::Settings SupervisorSettings(const Plan& plan, const spec::Options& options) {
  core::Settings s;
  s.grace = plan.grace;
  s.scan_interval = plan.scan_interval;
  const spec::Options& o = options;
  s.reload_on_hup =
      !o.config.empty() || !o.procfile.empty() || !o.cfe_csv.empty() || o.services.empty();
  return s;
}

}  // namespace app
