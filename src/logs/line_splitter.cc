#include "logs/line_splitter.h"

#include "logs/utf8.h"

namespace logs {

size_t LineSplitter::CutKeep() const {
  size_t keep = Utf8IncompleteTail(partial_);
  return keep >= partial_.size() ? 0 : keep;  // max_line under 4: cut anyway
}

}  // namespace logs
