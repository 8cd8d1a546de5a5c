// LineRing: a service's recent output, for `tendctl logs`. It keeps whole
// read batches ("chunks" of complete lines), not lines one by one, so that
// keeping a batch costs one copy and no allocation per line; lines are cut
// out of the chunks only when someone asks. Bounded in bytes: the oldest
// chunks are let go first, and that they were is remembered (`Forgot`).
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace logs {

class LineRing {
 public:
  // What a chunk costs beside its text (its deque slot, the time's and the
  // lines' heap blocks), counted against the bound so that many small
  // chunks (syslog messages a millisecond apart) cannot hold several times
  // the ring's size.
  static constexpr size_t kChunkCost = 160;

  explicit LineRing(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Keeps `lines` (complete lines, each ending in '\n'), read from `stream`
  // at `time` (fixed-width UTC text). Leaves `lines` empty; its buffer is
  // taken when worth keeping, and a let-go chunk's buffer may come back in
  // it, so a busy service costs no allocation per read.
  void Keep(int stream, std::string_view time, std::string& lines);

  struct Line {
    int stream;
    std::string_view time;
    std::string_view text;  // without its '\n'
  };
  // The last n lines read at or after `since` ("" for all), oldest first.
  std::vector<Line> Last(size_t n, std::string_view since = {}) const;

  bool Forgot() const { return forgot_; }
  size_t Bytes() const { return bytes_; }  // counted as the bound counts

 private:
  struct Chunk {
    int stream;
    std::string time;
    std::string lines;
  };

  size_t max_bytes_;
  std::deque<Chunk> chunks_;
  size_t bytes_ = 0;
  bool forgot_ = false;
};

}  // namespace logs
