#include "logs/plain_batch.h"

#include <algorithm>
#include <cstring>

namespace logs {
namespace {

// Called through a pointer the compiler cannot see through, so it stays a
// call to libc's memcpy (fast for short copies) and is not inlined as
// `rep movsb` (see the header).
void* (*volatile const g_copy)(void*, const void*, size_t) = std::memcpy;

}  // namespace

void PlainBatch::Add(std::string_view head, std::string_view line, bool newline_follows) {
  Reserve(head.size() + line.size() + 1);
  char* out = data_.get() + size_;
  g_copy(out, head.data(), head.size());
  out += head.size();
  g_copy(out, line.data(), line.size() + (newline_follows ? 1 : 0));
  out[line.size()] = '\n';
  size_ += head.size() + line.size() + 1;
}

void PlainBatch::Reserve(size_t more) {
  if (size_ + more <= capacity_) return;
  size_t capacity = std::max({capacity_ * 2, size_ + more, size_t{4096}});
  auto grown = std::make_unique_for_overwrite<char[]>(capacity);
  if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
  data_ = std::move(grown);
  capacity_ = capacity;
}

}  // namespace logs
