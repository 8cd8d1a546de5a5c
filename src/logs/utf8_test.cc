#include "logs/utf8.h"

#include <gtest/gtest.h>

namespace logs {
namespace {

TEST(Utf8, CharLengthOfWellFormedCharacters) {
  EXPECT_EQ(Utf8CharLength("a"), 1u);
  EXPECT_EQ(Utf8CharLength("\xC3\xA9x"), 2u);         // é
  EXPECT_EQ(Utf8CharLength("\xE2\x82\xAC"), 3u);      // €
  EXPECT_EQ(Utf8CharLength("\xF0\x9F\x98\x80"), 4u);  // 😀
  EXPECT_EQ(Utf8CharLength("\xF4\x8F\xBF\xBF"), 4u);  // U+10FFFF
  EXPECT_EQ(Utf8CharLength(""), 0u);
}

TEST(Utf8, IllFormedSequencesHaveNoCharLength) {
  EXPECT_EQ(Utf8CharLength("\xE9"), 0u);              // Latin-1 é
  EXPECT_EQ(Utf8CharLength("\xC3"), 0u);              // cut short
  EXPECT_EQ(Utf8CharLength("\x80"), 0u);              // lone continuation
  EXPECT_EQ(Utf8CharLength("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(Utf8CharLength("\xE0\x80\xAF"), 0u);      // overlong
  EXPECT_EQ(Utf8CharLength("\xED\xA0\x80"), 0u);      // surrogate U+D800
  EXPECT_EQ(Utf8CharLength("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(Utf8CharLength("\xFF"), 0u);
}

TEST(Utf8, InvalidLengthIsTheMaximalSubpart) {
  EXPECT_EQ(Utf8InvalidLength("\xE9x"), 1u);
  EXPECT_EQ(Utf8InvalidLength("\xE2\x82x"), 2u);  // a good start, then no end
  EXPECT_EQ(Utf8InvalidLength("\xF0\x9F\x98"), 3u);
  EXPECT_EQ(Utf8InvalidLength("\xED\xA0\x80"), 1u);  // surrogates: each byte alone
  EXPECT_EQ(Utf8InvalidLength("\xC0\xAF"), 1u);
}

TEST(Utf8, IncompleteTailIsAStartedCharacter) {
  EXPECT_EQ(Utf8IncompleteTail(""), 0u);
  EXPECT_EQ(Utf8IncompleteTail("abc"), 0u);
  EXPECT_EQ(Utf8IncompleteTail("ab\xC3\xA9"), 0u);  // complete
  EXPECT_EQ(Utf8IncompleteTail("ab\xC3"), 1u);
  EXPECT_EQ(Utf8IncompleteTail("ab\xE2\x82"), 2u);
  EXPECT_EQ(Utf8IncompleteTail("\xF0\x9F\x98"), 3u);
  EXPECT_EQ(Utf8IncompleteTail("a\xF0\x9F\x98\x80"), 0u);
  // Never more than 3 bytes back, and only for a well-formed start.
  EXPECT_EQ(Utf8IncompleteTail("\x80\x80\x80\x80"), 0u);
  EXPECT_EQ(Utf8IncompleteTail("a\xC0"), 0u);      // can start nothing
  EXPECT_EQ(Utf8IncompleteTail("a\xE9"), 1u);      // Latin-1, but could start one
  EXPECT_EQ(Utf8IncompleteTail("a\xE0\x80"), 0u);  // already ill-formed
}

}  // namespace
}  // namespace logs
