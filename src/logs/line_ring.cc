#include "logs/line_ring.h"

#include <algorithm>

namespace logs {

void LineRing::Keep(int stream, std::string_view time, std::string& lines) {
  if (lines.empty()) return;
  bytes_ += lines.size();
  // Lines of one stream in one millisecond share a chunk (syslog messages
  // come one by one): the ring's overhead stays per batch, not per line.
  if (!chunks_.empty() && chunks_.back().stream == stream && chunks_.back().time == time) {
    chunks_.back().lines += lines;
  } else {
    // The caller's buffer may be one recycled from a busy service: a chunk
    // that fills less than half of it is copied, so a ring of small chunks
    // never keeps large buffers alive.
    bool fits = lines.size() >= lines.capacity() / 2;
    chunks_.push_back({stream, std::string(time), fits ? std::move(lines) : lines});
    bytes_ += kChunkCost;
  }
  lines.clear();
  while (chunks_.size() > 1 && bytes_ > max_bytes_) {
    bytes_ -= chunks_.front().lines.size() + kChunkCost;
    if (lines.capacity() < chunks_.front().lines.capacity()) lines.swap(chunks_.front().lines);
    chunks_.pop_front();
    forgot_ = true;
  }
  lines.clear();
}

std::vector<LineRing::Line> LineRing::Last(size_t n, std::string_view since) const {
  std::vector<Line> out;
  // Newest first, then reversed: only the last n lines are cut out.
  for (auto it = chunks_.rbegin(); it != chunks_.rend() && out.size() < n; ++it) {
    if (it->time < since) break;  // same-width UTC times: their order is the text's
    std::string_view lines = it->lines;
    lines.remove_suffix(1);  // the last '\n' (a chunk is never empty)
    while (out.size() < n) {
      size_t nl = lines.rfind('\n');
      out.push_back(
          {it->stream, it->time, nl == std::string_view::npos ? lines : lines.substr(nl + 1)});
      if (nl == std::string_view::npos) break;
      lines = lines.substr(0, nl);
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace logs
