#include "config/naming.h"

#include <cctype>
#include <set>

#include "base/text.h"

namespace spec {
namespace {

bool LooksLikeAssignment(const std::string& word) {
  size_t eq = word.find('=');
  return eq != std::string::npos && eq > 0 && !std::isdigit(static_cast<unsigned char>(word[0]));
}

std::string Basename(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string Sanitize(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '+' || c == '@') {
      out += static_cast<char>(c);
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && (out.back() == '_' || out.back() == '.')) out.pop_back();
  return out;
}

// The first `size` bytes of a derived name, without a dangling '_' or '.'.
std::string Cut(std::string name, size_t size) {
  if (name.size() <= size) return name;
  name.resize(size);
  while (name.size() > 1 && (name.back() == '_' || name.back() == '.')) name.pop_back();
  return name;
}

}  // namespace

std::string NameFor(const CommandLine& command) {
  for (const std::string& word : command.words) {
    if (command.needs_shell && (LooksLikeAssignment(word) || word == "exec")) continue;
    std::string name = Sanitize(Basename(word));
    if (!name.empty()) return name;
    break;
  }
  return "sh";
}

void MakeUnique(std::vector<std::string>& names) {
  for (std::string& name : names) name = Cut(name, kMaxNameBytes);
  std::set<std::string> taken(names.begin(), names.end());
  std::set<std::string> seen;
  for (std::string& name : names) {
    if (seen.insert(name).second) continue;
    for (int n = 2;; ++n) {
      std::string suffix = "-" + std::to_string(n);
      std::string candidate = Cut(name, kMaxNameBytes - suffix.size()) + suffix;
      if (!taken.count(candidate)) {
        taken.insert(candidate);
        seen.insert(candidate);
        name = candidate;
        break;
      }
    }
  }
}

std::string NameTooLong(std::string_view name) {
  return "service name '" + base::Printable(name, 32) + "' is " + std::to_string(name.size()) +
         " bytes, more than the limit of " + std::to_string(kMaxNameBytes) + ": shorten it";
}

}  // namespace spec
