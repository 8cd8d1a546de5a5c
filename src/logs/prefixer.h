// Prefixer: formats one output line of a service as "name | text\n", names
// padded to one width so columns align, with a colour per service on a TTY.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace logs {

class Prefixer {
 public:
  Prefixer(const std::vector<std::string>& names, bool colour);

  // Appends the formatted line (with '\n') for service `index` to `out`.
  void Format(size_t index, std::string_view line, std::string& out) const;
  // Same, for tend's own log lines ("tend: ...", never padded).
  static void FormatOwn(std::string_view line, std::string& out);

 private:
  std::vector<std::string> heads_;  // "name    | " with colour codes, ready to copy
};

}  // namespace logs
