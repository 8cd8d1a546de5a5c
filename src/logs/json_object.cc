#include "logs/json_object.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include "logs/utf8.h"

namespace logs {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// One pass over the line, left to right; every method consumes what it
// accepts and returns false at the first thing it does not. Nothing in it
// recurses: nesting is a string of open brackets.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool Object(std::vector<JsonMember>& members);

 private:
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool Take(char c) {
    if (pos_ >= s_.size() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  void SkipBlanks() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r' || s_[pos_] == '\n')) {
      ++pos_;
    }
  }
  bool Value(std::string& out, int depth);
  bool Key(std::string& out);
  bool Scalar(std::string& out);
  bool String(std::string& out, std::string* decoded);
  bool Escape(std::string* decoded);
  bool Hex4(uint32_t& cp);
  bool Number(std::string& out);
  bool Literal(std::string& out);

  std::string_view s_;
  size_t pos_ = 0;
};

bool Scanner::Object(std::vector<JsonMember>& members) {
  if (!Take('{')) return false;
  SkipBlanks();
  if (!Take('}')) {
    for (;;) {
      JsonMember m;
      std::string raw;
      SkipBlanks();
      if (!String(raw, &m.key) || m.key.find('\0') != std::string::npos) return false;
      SkipBlanks();
      if (!Take(':') || !Value(m.value, 1)) return false;
      members.push_back(std::move(m));
      SkipBlanks();
      if (Take('}')) break;
      if (!Take(',')) return false;
    }
  }
  SkipBlanks();
  return pos_ == s_.size();
}

// A value inside a container at `depth`. The containers it opens are kept
// in `open` ('{' or '['), innermost last, instead of on the call stack.
bool Scanner::Value(std::string& out, int depth) {
  std::string open;
  for (;;) {
    SkipBlanks();
    char c = Peek();
    if (c == '{' || c == '[') {
      if (depth + static_cast<int>(open.size()) + 1 > kMaxJsonDepth) return false;
      ++pos_;
      out += c;
      open += c;
      SkipBlanks();
      char close = c == '{' ? '}' : ']';
      if (!Take(close)) {
        if (c == '{' && !Key(out)) return false;
        continue;  // its first value
      }
      out += close;
      open.pop_back();
    } else if (!Scalar(out)) {
      return false;
    }
    // After a value: containers close, or a comma leads to the next value.
    for (;;) {
      if (open.empty()) return true;
      SkipBlanks();
      char close = open.back() == '{' ? '}' : ']';
      if (Take(close)) {
        out += close;
        open.pop_back();
        continue;
      }
      if (!Take(',')) return false;
      out += ',';
      if (open.back() == '{' && !Key(out)) return false;
      break;
    }
  }
}

// A nested object's key and its colon (nested keys are copied, not judged).
bool Scanner::Key(std::string& out) {
  SkipBlanks();
  if (!String(out, nullptr)) return false;
  SkipBlanks();
  if (!Take(':')) return false;
  out += ':';
  return true;
}

bool Scanner::Scalar(std::string& out) {
  char c = Peek();
  if (c == '"') return String(out, nullptr);
  if (c == '-' || IsDigit(c)) return Number(out);
  return Literal(out);
}

// A string, copied as written to `out`; decoded into `decoded` if given.
bool Scanner::String(std::string& out, std::string* decoded) {
  size_t start = pos_;
  if (!Take('"')) return false;
  for (;;) {
    if (pos_ >= s_.size()) return false;
    auto c = static_cast<unsigned char>(s_[pos_]);
    if (c == '"') break;
    if (c < 0x20) return false;  // JSON wants control characters escaped
    if (c == '\\') {
      if (!Escape(decoded)) return false;
      continue;
    }
    size_t n = c < 0x80 ? 1 : Utf8CharLength(s_.substr(pos_));
    if (n == 0) return false;
    if (decoded) decoded->append(s_.substr(pos_, n));
    pos_ += n;
  }
  ++pos_;
  out.append(s_.substr(start, pos_ - start));
  return true;
}

// A backslash escape; \u surrogates must come in pairs (a lone one is no
// character: Rust's serde_json and others reject it).
bool Scanner::Escape(std::string* decoded) {
  ++pos_;  // the backslash
  char e = Peek();
  if (pos_ >= s_.size()) return false;
  ++pos_;
  static constexpr std::string_view kFrom = "\"\\/bfnrt";
  static constexpr std::string_view kTo = "\"\\/\b\f\n\r\t";
  if (size_t k = kFrom.find(e); k != std::string_view::npos) {
    if (decoded) *decoded += kTo[k];
    return true;
  }
  uint32_t cp = 0;
  if (e != 'u' || !Hex4(cp)) return false;
  if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low half first
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    uint32_t low = 0;
    if (!Take('\\') || !Take('u') || !Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  if (decoded) AppendUtf8(*decoded, cp);
  return true;
}

bool Scanner::Hex4(uint32_t& cp) {
  if (s_.size() - pos_ < 4) return false;
  cp = 0;
  for (int k = 0; k < 4; ++k) {
    int h = HexValue(s_[pos_++]);
    if (h < 0) return false;
    cp = cp * 16 + static_cast<uint32_t>(h);
  }
  return true;
}

// RFC 8259's grammar, then the value a double holds: copied as written
// only when it is finite (1e999 overflows; Go's and Rust's parsers refuse
// it, and one bad member would cost the consumer the whole line).
bool Scanner::Number(std::string& out) {
  size_t start = pos_;
  Take('-');
  if (!Take('0')) {
    if (!IsDigit(Peek())) return false;
    while (IsDigit(Peek())) ++pos_;
  }
  if (Take('.')) {
    if (!IsDigit(Peek())) return false;
    while (IsDigit(Peek())) ++pos_;
  }
  if (Take('e') || Take('E')) {
    if (!Take('+')) Take('-');
    if (!IsDigit(Peek())) return false;
    while (IsDigit(Peek())) ++pos_;
  }
  std::string_view text = s_.substr(start, pos_ - start);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return false;
  }
  out.append(text);
  return true;
}

bool Scanner::Literal(std::string& out) {
  for (std::string_view word : {"true", "false", "null"}) {
    if (s_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      out.append(word);
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::vector<JsonMember>> SplitJsonObject(std::string_view line) {
  if (line.empty() || line[0] != '{') return std::nullopt;
  std::vector<JsonMember> members;
  if (!Scanner(line).Object(members)) return std::nullopt;
  std::vector<std::string_view> keys;
  keys.reserve(members.size());
  for (const JsonMember& m : members) keys.emplace_back(m.key);
  std::sort(keys.begin(), keys.end());
  if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) return std::nullopt;
  return members;
}

}  // namespace logs
