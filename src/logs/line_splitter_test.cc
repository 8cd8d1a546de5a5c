#include "logs/line_splitter.h"

#include <gtest/gtest.h>

#include <vector>

namespace logs {
namespace {

struct Collect {
  std::vector<std::string> lines;
  LineSplitter::Sink Sink() {
    return [this](std::string_view l) { lines.emplace_back(l); };
  }
};

TEST(LineSplitter, EmitsWholeLinesAcrossChunks) {
  LineSplitter s;
  Collect c;
  s.Feed("hel", c.Sink());
  s.Feed("lo\nwor", c.Sink());
  s.Feed("ld\n\nx", c.Sink());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"hello", "world", ""}));
  EXPECT_EQ(s.Pending(), 1u);
  s.Flush(c.Sink());
  EXPECT_EQ(c.lines.back(), "x");
  EXPECT_EQ(s.Pending(), 0u);
}

TEST(LineSplitter, SplitsOverlongLinesWithoutLosingBytes) {
  LineSplitter s(4);
  Collect c;
  s.Feed("abcdefghij\nkl\n", c.Sink());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"abcd", "efgh", "ij", "kl"}));
}

TEST(LineSplitter, CutsOverlongLinesBetweenUtf8Characters) {
  LineSplitter s(8);
  Collect c;
  // "é" is C3 A9: an even cut would split the fourth one.
  s.Feed("a\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\n", c.Sink());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"a\xC3\xA9\xC3\xA9\xC3\xA9", "\xC3\xA9"}));
  c.lines.clear();
  // 4-byte characters fed a byte at a time: never more than 3 bytes back.
  std::string emoji = "\xF0\x9F\x98\x80";
  for (char b : "x" + emoji + emoji + "\n") s.Feed(std::string_view(&b, 1), c.Sink());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"x" + emoji, emoji}));
}

// Latin-1 0xE9 could begin a 3-byte character, so it moves to the next
// piece; whatever comes, no piece is shorter than max_line - 3.
TEST(LineSplitter, CutsInvalidBytesAtMostThreeBack) {
  LineSplitter s(4);
  Collect c;
  s.Feed("abc\xE9\xE9\xE9\xE9\xE9\n", c.Sink());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"abc", "\xE9\xE9\xE9", "\xE9\xE9"}));
  c.lines.clear();
  s.Feed("\x80\x80\x80\x80\x80\n", c.Sink());  // continuation bytes only: no start
  EXPECT_EQ(c.lines, (std::vector<std::string>{"\x80\x80\x80\x80", "\x80"}));
}

TEST(LineSplitter, FlushOfNothingEmitsNothing) {
  LineSplitter s;
  Collect c;
  s.Flush(c.Sink());
  EXPECT_TRUE(c.lines.empty());
}

}  // namespace
}  // namespace logs

namespace logs {
namespace {

// Whether each line the sink got was a piece of a longer one.
TEST(LineSplitter, SaysWhichLinesArePiecesOfLongerOnes) {
  LineSplitter s(8);
  std::vector<std::pair<std::string, bool>> got;
  auto sink = [&](std::string_view l) { got.emplace_back(std::string(l), s.InPiece()); };
  s.Feed("short\n0123456789abcdefghij\n{\"a\":1}\n", sink);
  s.Feed("tail", sink);
  s.Flush(sink);
  s.Feed("01234567", sink);  // cut exactly at the limit: the newline ends its last piece
  s.Feed("\nok\n", sink);
  std::vector<std::pair<std::string, bool>> want = {
      {"short", false},   {"01234567", true},   {"89abcdef", true},
      {"ghij", true},     {"{\"a\":1}", false}, {"tail", false},
      {"01234567", true}, {"", true},           {"ok", false}};
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace logs
