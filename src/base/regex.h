// Regex: a POSIX extended regular expression (libc's regcomp), compiled
// once. libc's engine keeps the static binary far smaller than std::regex.
#pragma once

#include <regex.h>

#include <memory>
#include <string>

namespace base {

class Regex {
 public:
  // nullptr and `error` set when the pattern does not compile.
  static std::shared_ptr<const Regex> Compile(const std::string& pattern, std::string* error);
  // The same, remembered by pattern: for rules evaluated again and again.
  static std::shared_ptr<const Regex> Cached(const std::string& pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  bool Search(const std::string& text) const;

 private:
  Regex() = default;
  regex_t re_{};
  bool compiled_ = false;
};

}  // namespace base
