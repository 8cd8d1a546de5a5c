#include "config/config_bounds.h"

#include <algorithm>

namespace spec {
namespace {

// A Diagnostic at byte `offset`, with the column in characters as toml++
// counts them (UTF-8 continuation bytes do not move it).
Diagnostic At(std::string_view text, size_t offset, const std::string& file, std::string message) {
  int line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  return {file, line, column, std::move(message)};
}

constexpr const char* kNonAsciiOutsideQuotes =
    "non-ASCII character outside quotes: TOML allows it only in strings and comments; put it in "
    "quotes";

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool EndsKey(char c) {
  return IsBlank(c) || c == '\n' ||
         std::string_view(".=,[]{}#\"'").find(c) != std::string_view::npos;
}

// Where toml++ stops reading a number, boolean or date (quotes and '['
// do not stop it).
bool EndsTomlValue(char c) {
  return IsBlank(c) || c == '\n' || std::string_view("]},#").find(c) != std::string_view::npos;
}

bool EndsValue(char c) {
  return IsBlank(c) || c == '\n' || std::string_view(",[]{}#\"'").find(c) != std::string_view::npos;
}

// One pass over the text with TOML's shape in mind: table headers, keys,
// values, and in values strings, arrays and inline tables. It tracks the
// depth each key part and array element would have in toml++'s tree, and
// stops at the first bound crossed. It never recurses deeper than the bound.
class TomlScanner {
 public:
  TomlScanner(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  std::optional<Diagnostic> Run() {
    while (!AtEnd()) {
      SkipBlank();
      if (AtEnd()) break;
      size_t before = pos_;
      if (Peek() == '[') {
        Header();
      } else {
        KeyValue(table_depth_);
      }
      if (pos_ == before) ++pos_;  // no rule takes it: toml++ will say what is wrong
    }
    return error_;
  }

 private:
  bool AtEnd() const { return error_ || pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void Advance(size_t n = 1) { pos_ = std::min(pos_ + n, text_.size()); }

  void Fail(size_t at, std::string message) {
    if (!error_) error_ = At(text_, at, file_, std::move(message));
  }
  void FailNesting(size_t at) {
    Fail(at, "nested deeper than " + std::to_string(kMaxNesting) +
                 " levels (table names, dotted keys, inline tables and arrays count "
                 "together; tend.toml needs 5): flatten it");
  }

  void SkipSpaces() {
    while (!AtEnd() && IsBlank(Peek())) Advance();
  }

  // Spaces, newlines and comments.
  void SkipBlank() {
    for (;;) {
      SkipSpaces();
      if (AtEnd()) return;
      if (Peek() == '\n') {
        Advance();
      } else if (Peek() == '#') {
        while (!AtEnd() && Peek() != '\n') Advance();
      } else {
        return;
      }
    }
  }

  // [a.b] or [[a.b]]: the keys that follow sit below it.
  void Header() {
    Advance();
    bool array = Peek() == '[';  // [[a.b]]: each element is one level below a.b
    if (array) Advance();
    table_depth_ = (array ? 1 : 0) + Key(array ? 1 : 0);
    SkipSpaces();
    for (int i = 0; i < (array ? 2 : 1) && Peek() == ']'; ++i) Advance();
  }

  void KeyValue(int depth) {
    int parts = Key(depth);
    SkipSpaces();
    if (parts > 0 && !AtEnd() && Peek() == '=') {
      Advance();
      Value(depth + parts);
    }
  }

  // A bare, quoted or dotted key below `depth`; returns how many parts.
  int Key(int depth) {
    SkipSpaces();
    size_t start = pos_;
    int parts = 0;
    for (;;) {
      size_t part = pos_;
      if (Peek() == '"' || Peek() == '\'') {
        String();
      } else {
        Bare(EndsKey);
      }
      if (error_ || pos_ == part) return parts;
      if (depth + ++parts > kMaxNesting) {
        FailNesting(part);
        return parts;
      }
      if (pos_ - start > kMaxKeyBytes) {
        Fail(start, "key longer than " + std::to_string(kMaxKeyBytes) + " bytes: shorten it");
        return parts;
      }
      SkipSpaces();
      if (AtEnd() || Peek() != '.') return parts;
      Advance();
      SkipSpaces();
    }
  }

  // The value of a key at `depth` (or an array element at that depth).
  void Value(int depth) {
    SkipSpaces();
    if (AtEnd()) return;
    char c = Peek();
    if (c == '"' || c == '\'') return String();
    if (c == '[') return Array(depth);
    if (c == '{') return InlineTable(depth);
    CheckTomlValue();
    Bare(EndsValue);  // number, boolean, date
  }

  void Array(int depth) {
    Advance();
    for (;;) {
      SkipBlank();
      if (AtEnd()) return;
      if (Peek() == ']') return Advance();
      if (Peek() == ',') {
        Advance();
        continue;
      }
      if (depth + 1 > kMaxNesting) return FailNesting(pos_);
      size_t before = pos_;
      Value(depth + 1);
      if (pos_ == before) Advance();
    }
  }

  void InlineTable(int depth) {
    Advance();
    for (;;) {
      SkipBlank();
      if (AtEnd()) return;
      if (Peek() == '}') return Advance();
      if (Peek() == ',') {
        Advance();
        continue;
      }
      size_t before = pos_;
      KeyValue(depth);
      if (pos_ == before) Advance();
    }
  }

  // "basic", 'literal', """multi-line basic""" or '''multi-line literal'''.
  // An unterminated one ends at its line's end (single-line) or the file's.
  void String() {
    char quote = Peek();
    bool multi = Peek(1) == quote && Peek(2) == quote;
    Advance(multi ? 3 : 1);
    while (!AtEnd()) {
      char c = Peek();
      if (c == '\n' && !multi) return;
      if (c == '\\' && quote == '"') {
        Escape(multi);
      } else if (c == quote && (!multi || (Peek(1) == quote && Peek(2) == quote))) {
        Advance(multi ? 3 : 1);
        // """a"""" ends with a quote in the content: up to two are allowed.
        for (int i = 0; multi && i < 2 && Peek() == quote; ++i) Advance();
        return;
      } else {
        Advance();
      }
    }
  }

  // A bare key part, or a number, boolean or date. Non-ASCII is never valid
  // there, and toml++ 3.3 reaches undefined behaviour classifying some of it
  // as whitespace or not (its issues 190 and 295).
  void Bare(bool (*ends)(char)) {
    while (!AtEnd() && !ends(Peek())) {
      if (static_cast<unsigned char>(Peek()) >= 0x80) return Fail(pos_, kNonAsciiOutsideQuotes);
      Advance();
    }
  }

  // toml++ classifies every character of a number, boolean or date up to
  // EndsTomlValue, further than Bare goes: check that stretch, once.
  void CheckTomlValue() {
    size_t i = std::max(pos_, checked_until_);
    for (; i < text_.size() && !EndsTomlValue(text_[i]); ++i) {
      if (static_cast<unsigned char>(text_[i]) >= 0x80) return Fail(i, kNonAsciiOutsideQuotes);
    }
    checked_until_ = i;
  }

  void Escape(bool multi) {
    std::string_view rest = text_.substr(pos_);
    // In a multi-line string toml++ classifies what follows a backslash as
    // whitespace or not (a line-ending backslash skips blanks and line
    // breaks) with that same faulty code.
    size_t next = multi ? rest.find_first_not_of(" \t\r\n", 1) : std::string_view::npos;
    if (next != std::string_view::npos && static_cast<unsigned char>(rest[next]) >= 0x80) {
      return Fail(pos_ + next,
                  "non-ASCII character right after a backslash in a multi-line string, which the "
                  "TOML parser misreads (toml++ issue 190): write it as a \\u escape, or drop "
                  "the backslash");
    }
    if (rest.substr(0, 6) == "\\u0000" || rest.substr(0, 10) == "\\U00000000") {
      return Fail(pos_,
                  "'\\u0000' is a NUL character, which would cut the value short where it "
                  "becomes an argument or a variable: remove it");
    }
    Advance(2);  // the backslash and the character it escapes
  }

  std::string_view text_;
  const std::string& file_;
  size_t pos_ = 0;
  int table_depth_ = 0;       // of the last [table] header
  size_t checked_until_ = 0;  // CheckTomlValue
  std::optional<Diagnostic> error_;
};

}  // namespace

std::optional<Diagnostic> CheckText(std::string_view text, const std::string& file) {
  if (text.size() > kMaxConfigBytes) {
    return At(text, kMaxConfigBytes, file,
              "file goes on past " + std::to_string(kMaxConfigBytes >> 20) +
                  " MiB, the most tend reads from a configuration file: is this the right file?");
  }
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return At(text, nul, file,
              "NUL byte, which would cut the value short where it becomes an argument or a "
              "variable: remove it (is this a text file?)");
  }
  return std::nullopt;
}

std::optional<Diagnostic> PrescanToml(std::string_view text, const std::string& file) {
  return TomlScanner(text, file).Run();
}

}  // namespace spec
