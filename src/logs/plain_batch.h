// PlainBatch: the bytes of one read's lines in the plain style, each line
// after the same head ("name | ", made once per batch). It is the inner
// loop of tend's output path, so it copies with libc's memcpy into a
// buffer it reuses: no allocation per read, no check per byte.
//
// Why not std::string::append: tend ships as MinSizeRel, where GCC inlines
// every copy of unknown length as `rep movsb`, which costs tens of cycles
// to start; a line and its head are short copies, two per line, and took a
// third of tend's own CPU on the output benchmark.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace logs {

class PlainBatch {
 public:
  void Clear() { size_ = 0; }
  // Appends head, line and '\n'. `newline_follows`: line.data()[line.size()]
  // is a readable '\n' (LineSplitter's view into the read), copied with it.
  void Add(std::string_view head, std::string_view line, bool newline_follows);
  std::string_view View() const { return {data_.get(), size_}; }

 private:
  void Reserve(size_t more);

  std::unique_ptr<char[]> data_;
  size_t size_ = 0, capacity_ = 0;
};

}  // namespace logs
