// LineSplitter: turns the byte chunks read from a service's pipe into whole
// lines. A partial line waits for its end (or Flush, when the service exits);
// a line longer than max_line is cut into pieces rather than dropped, so a
// service can never make tend hold unbounded memory. The cut falls between
// UTF-8 characters (at most 3 bytes earlier), so valid text stays valid.
//
// Feed is on the output path of every byte a service writes: it is a
// template so that the sink inlines (no call through std::function per
// line), each line is found with one memchr bounded by the room left, and
// a whole line inside the chunk is handed over without a copy.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace logs {

class LineSplitter {
 public:
  using Sink = std::function<void(std::string_view line)>;  // line without '\n'

  explicit LineSplitter(size_t max_line = size_t{16} * 1024) : max_line_(max_line) {}

  // `sink(line)` for each line, without its '\n'. While Pending() is 0 in
  // the sink, the line is a view into `bytes` and its '\n' follows it
  // there (line.data()[line.size()]), so a sink may copy both at once.
  template <class S>
  void Feed(std::string_view bytes, S&& sink);
  template <class S>
  void Flush(S&& sink);  // emits the pending partial line, if any
  size_t Pending() const { return partial_.size(); }
  // While the sink runs: whether its line is a piece of a longer one (a
  // cut, or what follows one up to the newline), not a whole line.
  bool InPiece() const { return piece_; }

 private:
  template <class S>
  void Cut(S& sink);
  // How many bytes of partial_ a cut keeps for the next piece.
  size_t CutKeep() const;

  size_t max_line_;
  std::string partial_;
  bool piece_ = false;  // the line being emitted was cut, or follows a cut
};

template <class S>
void LineSplitter::Feed(std::string_view bytes, S&& sink) {
  while (!bytes.empty()) {
    size_t room = max_line_ - partial_.size();
    // A newline further than `room` would end an over-long line: no need to
    // look past it.
    size_t span = std::min(bytes.size(), room + 1);
    const auto* found = static_cast<const char*>(std::memchr(bytes.data(), '\n', span));
    auto nl = found ? static_cast<size_t>(found - bytes.data()) : std::string_view::npos;
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
      sink(std::string_view(partial_));
      partial_.clear();
    }
    piece_ = false;  // the newline ends a long line's last piece too
    bytes.remove_prefix(nl + 1);
  }
}

// A full line is cut between characters: the last 1 to 3 bytes of a
// multi-byte character that has not ended yet start the next piece, so
// each piece of valid UTF-8 stays valid.
template <class S>
void LineSplitter::Cut(S& sink) {
  size_t head = partial_.size() - CutKeep();
  piece_ = true;
  sink(std::string_view(partial_).substr(0, head));
  partial_.erase(0, head);
}

template <class S>
void LineSplitter::Flush(S&& sink) {
  if (partial_.empty()) return;
  sink(std::string_view(partial_));
  partial_.clear();
  piece_ = false;
}

}  // namespace logs
