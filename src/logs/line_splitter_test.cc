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

TEST(LineSplitter, FlushOfNothingEmitsNothing) {
  LineSplitter s;
  Collect c;
  s.Flush(c.Sink());
  EXPECT_TRUE(c.lines.empty());
}

}  // namespace
}  // namespace logs
