#include "logs/line_ring.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace logs {
namespace {

std::vector<std::string> Texts(const std::vector<LineRing::Line>& lines) {
  std::vector<std::string> out;
  for (const LineRing::Line& l : lines) out.emplace_back(l.text);
  return out;
}

void Keep(LineRing& ring, int stream, std::string_view time, std::string lines) {
  ring.Keep(stream, time, lines);
  EXPECT_TRUE(lines.empty());
}

TEST(LineRing, GivesTheLastLinesOldestFirstWithStreamAndTime) {
  LineRing ring(1024);
  Keep(ring, 0, "T1", "a\nb\n");
  Keep(ring, 1, "T2", "c\n");
  std::vector<LineRing::Line> last = ring.Last(2);
  ASSERT_EQ(Texts(last), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(last[0].stream, 0);
  EXPECT_EQ(last[0].time, "T1");
  EXPECT_EQ(last[1].stream, 1);
  EXPECT_EQ(Texts(ring.Last(10)), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(ring.Last(0).empty());
  EXPECT_FALSE(ring.Forgot());
}

TEST(LineRing, EmptyLinesAreLinesAndNothingIsNothing) {
  LineRing ring(1024);
  Keep(ring, 0, "T1", "");
  EXPECT_TRUE(ring.Last(5).empty());
  EXPECT_EQ(ring.Bytes(), 0u);
  Keep(ring, 0, "T1", "\n\nx\n");
  EXPECT_EQ(Texts(ring.Last(5)), (std::vector<std::string>{"", "", "x"}));
}

TEST(LineRing, SinceLeavesOutEarlierBatches) {
  LineRing ring(1024);
  Keep(ring, 0, "2026-01-01T00:00:01.000Z", "old\n");
  Keep(ring, 0, "2026-01-01T00:00:02.000Z", "new\n");
  EXPECT_EQ(Texts(ring.Last(5, "2026-01-01T00:00:02.000Z")), std::vector<std::string>{"new"});
  EXPECT_TRUE(ring.Last(5, "2026-01-01T00:00:03.000Z").empty());
}

TEST(LineRing, OneStreamsBatchesOfOneMillisecondShareAChunk) {
  LineRing ring(1024);
  Keep(ring, 0, "T1", "a\n");
  Keep(ring, 0, "T1", "b\n");
  EXPECT_EQ(ring.Bytes(), 4 + LineRing::kChunkCost);
  Keep(ring, 1, "T1", "c\n");  // another stream: its own chunk
  EXPECT_EQ(ring.Bytes(), 6 + 2 * LineRing::kChunkCost);
  EXPECT_EQ(Texts(ring.Last(5)), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(LineRing, BoundedInBytesTheOldestGoFirstAndThatIsRemembered) {
  const size_t bound = 4096;
  LineRing ring(bound);
  for (int k = 0; k < 1000; ++k) {
    Keep(ring, 0, "T" + std::to_string(k), "line " + std::to_string(k) + "\n");
    EXPECT_LE(ring.Bytes(), bound);
  }
  EXPECT_TRUE(ring.Forgot());
  std::vector<std::string> last = Texts(ring.Last(100000));
  ASSERT_FALSE(last.empty());
  EXPECT_EQ(last.back(), "line 999");
  EXPECT_LT(last.size(), 1000u);
  // Whatever is kept is a contiguous run ending at the newest.
  EXPECT_EQ(last.front(), "line " + std::to_string(1000 - last.size()));
}

TEST(LineRing, OneBatchLargerThanTheBoundIsKeptAlone) {
  LineRing ring(64);
  Keep(ring, 0, "T1", "small\n");
  Keep(ring, 0, "T2", std::string(200, 'x') + "\n");
  EXPECT_TRUE(ring.Forgot());
  EXPECT_EQ(ring.Last(5).size(), 1u);
  EXPECT_EQ(ring.Last(5)[0].text.size(), 200u);
}

TEST(LineRing, ALetGoChunksBufferComesBackForTheNextBatch) {
  LineRing ring(LineRing::kChunkCost + 1100);
  std::string buffer(1000, 'x');
  buffer += '\n';
  ring.Keep(0, "T1", buffer);  // fills its buffer: taken, not copied
  std::string next(1000, 'y');
  next += '\n';
  ring.Keep(0, "T2", next);  // T1's chunk goes; its buffer is handed back
  EXPECT_TRUE(ring.Forgot());
  EXPECT_TRUE(next.empty());
  EXPECT_GE(next.capacity(), 1000u);
}

TEST(LineRing, ASmallBatchInALargeBufferIsCopiedNotKept) {
  LineRing ring(1 << 20);
  std::string buffer;
  buffer.reserve(64 * 1024);
  buffer = "tiny\n";
  ring.Keep(0, "T1", buffer);
  EXPECT_TRUE(buffer.empty());
  EXPECT_GE(buffer.capacity(), 64u * 1024);  // the caller keeps its large buffer
  EXPECT_EQ(Texts(ring.Last(1)), std::vector<std::string>{"tiny"});
}

}  // namespace
}  // namespace logs
