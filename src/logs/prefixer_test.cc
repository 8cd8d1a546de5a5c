#include "logs/prefixer.h"

#include <gtest/gtest.h>

namespace logs {
namespace {

TEST(Prefixer, PadsNamesToOneWidth) {
  Prefixer p({"sshd", "apache2"}, false);
  std::string out;
  p.Format(0, "listening", out);
  p.Format(1, "", out);
  EXPECT_EQ(out, "sshd    | listening\napache2 | \n");
}

TEST(Prefixer, ColoursOnlyWhenAsked) {
  Prefixer p({"a"}, true);
  std::string out;
  p.Format(0, "x", out);
  EXPECT_EQ(out, "\033[36ma | \033[0mx\n");
}

TEST(Prefixer, OwnLinesSayTend) {
  std::string out;
  Prefixer::FormatOwn("started", out);
  EXPECT_EQ(out, "tend: started\n");
}

}  // namespace
}  // namespace logs
