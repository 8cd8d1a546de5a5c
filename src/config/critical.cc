#include "config/critical.h"

#include <algorithm>

#include "base/text.h"

namespace spec {
namespace {

std::string_view Trim(std::string_view s) {
  size_t start = s.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(" \t");
  return s.substr(start, end - start + 1);
}

// The names there are, for the error: the first 20 and how many more, so
// that a thousand services still make one readable line.
std::string Known(const std::vector<ServiceSpec>& services) {
  constexpr size_t kShown = 20;
  std::string out;
  for (size_t i = 0; i < services.size() && i < kShown; ++i) {
    out += (i == 0 ? "" : ", ") + services[i].name;
  }
  if (services.size() > kShown)
    out += ", and " + std::to_string(services.size() - kShown) + " more";
  return out.empty() ? "none" : out;
}

}  // namespace

NameList ParseNameList(std::string_view text, const std::string& where) {
  NameList out;
  const std::string_view whole = text;
  while (true) {
    size_t comma = text.find(',');
    std::string_view name = Trim(text.substr(0, comma));
    if (name.empty()) {
      out.error = where + ": empty service name in '" + base::Printable(whole, 80) +
                  "' (give names separated by commas, like sshd,nginx)";
      return out;
    }
    if (name.size() > kMaxNameBytes) {
      out.error = where + ": '" + base::Printable(name, 80) +
                  "' is longer than any service name (" + std::to_string(kMaxNameBytes) +
                  " bytes at most)";
      return out;
    }
    out.names.emplace_back(name);
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

void MarkCritical(const std::vector<std::string>& names, const std::string& where,
                  std::vector<ServiceSpec>& services, std::vector<Diagnostic>& errors) {
  for (const std::string& name : names) {
    bool found = false;
    for (ServiceSpec& s : services) {
      if (s.name != name) continue;
      s.critical = true;
      s.restart = RestartPolicy::kNever;
      found = true;
    }
    if (!found) {
      errors.push_back({"", 0, 0,
                        where + ": no service named '" + base::Printable(name, 80) +
                            "' (the services are: " + Known(services) + ")"});
    }
  }
}

}  // namespace spec
