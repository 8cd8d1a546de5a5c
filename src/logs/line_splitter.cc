#include "logs/line_splitter.h"

namespace logs {

void LineSplitter::Feed(std::string_view bytes, const Sink& sink) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    size_t room = max_line_ - partial_.size();
    if (nl == std::string_view::npos || nl > room) {
      size_t take = std::min(bytes.size(), room);
      partial_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (partial_.size() >= max_line_) Flush(sink);
      continue;
    }
    if (partial_.empty()) {
      sink(bytes.substr(0, nl));  // common case: no copy
    } else {
      partial_.append(bytes.substr(0, nl));
      sink(partial_);
      partial_.clear();
    }
    bytes.remove_prefix(nl + 1);
  }
}

void LineSplitter::Flush(const Sink& sink) {
  if (partial_.empty()) return;
  sink(partial_);
  partial_.clear();
}

}  // namespace logs
