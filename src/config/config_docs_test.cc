// docs/config.md documents every key; this keeps the docs and the parser
// from drifting apart.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "config/config.h"

namespace spec {
namespace {

// Keys in the first column of the table under `heading`: "| `key` | ...".
std::set<std::string> DocumentedKeys(const std::string& doc, const std::string& heading) {
  std::set<std::string> keys;
  size_t at = doc.find("\n" + heading + "\n");
  EXPECT_NE(at, std::string::npos) << heading;
  if (at == std::string::npos) return keys;
  std::istringstream lines(doc.substr(at + heading.size() + 2));
  bool in_table = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("#", 0) == 0) break;  // next section
    if (line.rfind("| `", 0) != 0) {
      if (in_table && line.empty()) break;
      continue;
    }
    in_table = true;
    size_t end = line.find('`', 3);
    keys.insert(line.substr(3, end - 3));
  }
  return keys;
}

TEST(ConfigDocs, DocumentTheKeysTheParserAccepts) {
  std::ifstream f(std::string(TEND_SOURCE_DIR) + "/docs/config.md");
  ASSERT_TRUE(f);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str();
  const auto& service = ServiceKeys();
  const auto& global = GlobalKeys();
  EXPECT_EQ(DocumentedKeys(doc, "### [services.NAME]"),
            std::set<std::string>(service.begin(), service.end()));
  EXPECT_EQ(DocumentedKeys(doc, "### [tend]"), std::set<std::string>(global.begin(), global.end()));
}

}  // namespace
}  // namespace spec
