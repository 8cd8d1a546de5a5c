#include "config/env_file.h"

#include "base/text.h"

namespace spec {
namespace {

// One line, trimmed of leading blanks; false when it is no KEY=value.
bool Variable(std::string line, std::string& out) {
  if (line.rfind("export ", 0) == 0) line.erase(0, 7);
  size_t eq = line.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  std::string value = line.substr(eq + 1);
  if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0]) {
    value = value.substr(1, value.size() - 2);
  }
  out = line.substr(0, eq) + "=" + value;
  return true;
}

}  // namespace

EnvFileVars ParseEnvFile(std::string_view text) {
  EnvFileVars out;
  int number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    std::string var;
    if (Variable(line.substr(start), var)) {
      out.vars.push_back(std::move(var));
    } else if (out.errors.size() < kMaxEnvFileErrors) {
      out.errors.push_back(
          {number, "expected KEY=value, got '" + base::Printable(line.substr(start), 80) + "'"});
    }
  }
  return out;
}

}  // namespace spec
