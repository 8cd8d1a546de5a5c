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

TEST(IsDecimal, TakesDigitsAndOnePointOnly) {
  for (const char* yes : {"0", "8", "2.5", ".5", "5.", "3600"}) EXPECT_TRUE(IsDecimal(yes)) << yes;
  for (const char* no : {"", ".", "0x10", "1e3", "-1", "+1", " 1", "1 ", "inf", "nan", "1.2.3"}) {
    EXPECT_FALSE(IsDecimal(no)) << no;
  }
}

}  // namespace
}  // namespace base
