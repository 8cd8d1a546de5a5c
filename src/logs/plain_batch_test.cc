#include "logs/plain_batch.h"

#include <gtest/gtest.h>

#include <string>

namespace logs {
namespace {

TEST(PlainBatch, PutsTheHeadBeforeEachLine) {
  PlainBatch b;
  std::string read = "one\ntwo\n";
  b.Add("a | ", std::string_view(read).substr(0, 3), true);
  b.Add("a | ", std::string_view(read).substr(4, 3), true);
  EXPECT_EQ(b.View(), "a | one\na | two\n");
}

TEST(PlainBatch, AddsTheNewlineWhenTheLineHasNone) {
  PlainBatch b;
  std::string piece = "abcdef";  // a cut piece: no '\n' after it
  b.Add("x | ", std::string_view(piece).substr(0, 4), false);
  EXPECT_EQ(b.View(), "x | abcd\n");
}

TEST(PlainBatch, GrowsKeepingWhatItHoldsAndClearKeepsNothing) {
  PlainBatch b;
  std::string line(1000, 'z');
  std::string expect;
  for (int n = 0; n < 50; ++n) {
    b.Add("svc | ", line, false);
    expect += "svc | " + line + "\n";
  }
  EXPECT_EQ(b.View(), expect);
  b.Clear();
  EXPECT_EQ(b.View(), "");
  b.Add("", "", false);
  EXPECT_EQ(b.View(), "\n");
}

}  // namespace
}  // namespace logs
