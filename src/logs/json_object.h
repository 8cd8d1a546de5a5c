// JsonObject: a service's output line that is itself one JSON object, split
// into its top-level members, so that log_format = "json" can merge them
// with tend's fields instead of quoting the line as a string.
//
// A hand-written scanner, not a JSON library: it never recurses (a line of
// 16 KiB of '[' costs a loop and a counter), converts nothing (a number of
// 5000 digits is copied as written, after a bounds check), and accepts only
// what every consumer's parser takes, so a merged line never breaks one
// that the quoted string would not have. Anything else is "not an object":
// the caller quotes the line as before. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace logs {

// Deeper values stay quoted: a consumer's recursive parser (Python's json,
// many others) would fail on them; 32 is also tend.toml's bound.
inline constexpr int kMaxJsonDepth = 32;

struct JsonMember {
  std::string key;    // decoded: escapes resolved, so "\u0074ime" is "time"
  std::string value;  // as written, whitespace outside strings removed
};

// The members of `line`, in order, when it is exactly one JSON object
// (RFC 8259), followed by nothing but JSON whitespace, and:
// - every string well-formed UTF-8 with no unpaired surrogate escape
//   (\ud800 alone), and keys free of NUL (\u0000);
// - every number one a double holds (no overflow to infinity, as 1e999:
//   Go's and Rust's parsers reject it);
// - nested no deeper than kMaxJsonDepth (the object itself is depth 1);
// - no key twice (parsers disagree on which one wins).
// nullopt otherwise.
std::optional<std::vector<JsonMember>> SplitJsonObject(std::string_view line);

}  // namespace logs
