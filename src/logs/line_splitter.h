// LineSplitter: turns the byte chunks read from a service's pipe into whole
// lines. A partial line waits for its end (or Flush, when the service exits);
// a line longer than max_line is cut into pieces rather than dropped, so a
// service can never make tend hold unbounded memory. The cut falls between
// UTF-8 characters (at most 3 bytes earlier), so valid text stays valid.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace logs {

class LineSplitter {
 public:
  using Sink = std::function<void(std::string_view line)>;  // line without '\n'

  explicit LineSplitter(size_t max_line = size_t{16} * 1024) : max_line_(max_line) {}

  void Feed(std::string_view bytes, const Sink& sink);
  void Flush(const Sink& sink);  // emits the pending partial line, if any
  size_t Pending() const { return partial_.size(); }
  // While the sink runs: whether its line is a piece of a longer one (a
  // cut, or what follows one up to the newline), not a whole line.
  bool InPiece() const { return piece_; }

 private:
  void Cut(const Sink& sink);

  size_t max_line_;
  std::string partial_;
  bool piece_ = false;  // the line being emitted was cut, or follows a cut
};

}  // namespace logs
