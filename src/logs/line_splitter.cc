#include "logs/line_splitter.h"

#include "logs/utf8.h"

namespace logs {

void LineSplitter::Feed(std::string_view bytes, const Sink& sink) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    size_t room = max_line_ - partial_.size();
    if (nl == std::string_view::npos || nl > room) {
      size_t take = std::min(bytes.size(), room);
      partial_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (partial_.size() >= max_line_) Cut(sink);
      continue;
    }
    if (partial_.empty()) {
      sink(bytes.substr(0, nl));  // common case: no copy
    } else {
      partial_.append(bytes.substr(0, nl));
      sink(partial_);
      partial_.clear();
    }
    piece_ = false;  // the newline ends a long line's last piece too
    bytes.remove_prefix(nl + 1);
  }
}

// A full line is cut between characters: the last 1 to 3 bytes of a
// multi-byte character that has not ended yet start the next piece, so
// each piece of valid UTF-8 stays valid.
void LineSplitter::Cut(const Sink& sink) {
  size_t keep = Utf8IncompleteTail(partial_);
  if (keep >= partial_.size()) keep = 0;  // max_line under 4: cut anyway
  size_t head = partial_.size() - keep;
  piece_ = true;
  sink(std::string_view(partial_).substr(0, head));
  partial_.erase(0, head);
}

void LineSplitter::Flush(const Sink& sink) {
  if (partial_.empty()) return;
  sink(partial_);
  partial_.clear();
  piece_ = false;
}

}  // namespace logs
