#include "base/regex.h"

#include <map>

namespace base {

std::shared_ptr<const Regex> Regex::Compile(const std::string& pattern, std::string* error) {
  std::shared_ptr<Regex> r(new Regex());
  int rc = regcomp(&r->re_, pattern.c_str(), REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char buf[256];
    regerror(rc, &r->re_, buf, sizeof buf);
    if (error) *error = buf;
    return nullptr;
  }
  r->compiled_ = true;
  return r;
}

std::shared_ptr<const Regex> Regex::Cached(const std::string& pattern) {
  static std::map<std::string, std::shared_ptr<const Regex>> cache;
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second;
  if (cache.size() > 256) cache.clear();  // bounded: patterns come from configs
  auto compiled = Compile(pattern, nullptr);
  cache[pattern] = compiled;
  return compiled;
}

Regex::~Regex() {
  if (compiled_) regfree(&re_);
}

bool Regex::Search(const std::string& text) const {
  return regexec(&re_, text.c_str(), 0, nullptr, 0) == 0;
}

}  // namespace base
