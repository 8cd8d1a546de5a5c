#include "base/text.h"

#include <gtest/gtest.h>

namespace base {
namespace {

TEST(Printable, EscapesControlCharacters) {
  EXPECT_EQ(Printable("a\nb\tc\x01"), "a\\nb\\tc\\x01");
  EXPECT_EQ(Printable("plain 'text' é"), "plain 'text' é");
}

TEST(Printable, CutsAtMaxBytes) {
  EXPECT_EQ(Printable(std::string(100, 'a'), 3), "aaa...");
  EXPECT_EQ(Printable("abc", 3), "abc");
}

}  // namespace
}  // namespace base
