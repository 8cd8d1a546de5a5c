#include "config/command_line.h"

#include <array>
#include <cctype>

namespace spec {
namespace {

// Words that are shell syntax or builtins with no executable of their own.
constexpr std::array<std::string_view, 22> kShellOnlyWords = {
    "!",     "{",     "}",     ".",    "cd",       "exec", "export", "if",
    "for",   "while", "until", "case", "source",   "set",  "ulimit", "umask",
    "unset", "eval",  "trap",  "wait", "readonly", "alias"};

bool IsShellOnlyWord(std::string_view word) {
  for (std::string_view w : kShellOnlyWords) {
    if (w == word) return true;
  }
  return false;
}

// `NAME=...` where NAME is a valid shell identifier, written unquoted.
bool IsAssignment(std::string_view raw_word) {
  size_t eq = raw_word.find('=');
  if (eq == 0 || eq == std::string_view::npos) return false;
  if (std::isdigit(static_cast<unsigned char>(raw_word[0]))) return false;
  for (size_t i = 0; i < eq; ++i) {
    auto c = static_cast<unsigned char>(raw_word[i]);
    if (!std::isalnum(c) && c != '_') return false;
  }
  return true;
}

bool IsOperatorChar(char c) {
  switch (c) {
    case '|':
    case '&':
    case ';':
    case '<':
    case '>':
    case '(':
    case ')':
    case '`':
    case '$':
    case '*':
    case '?':
    case '[':
    case '\n': return true;
    default: return false;
  }
}

// A small state machine over the characters of the line.
class Splitter {
 public:
  explicit Splitter(std::string_view line) : line_(line) {}

  SplitResult Run() {
    SplitResult result;
    result.command.line = std::string(line_);
    for (pos_ = 0; pos_ < line_.size(); ++pos_) {
      if (!Step()) {
        result.error = error_;
        return result;
      }
    }
    if (quote_ != 0) {
      result.error = SplitError{
          quote_start_ + 1, std::string("unbalanced ") + (quote_ == '\'' ? "single" : "double") +
                                " quote: add the closing " + quote_ + " or escape it with \\"};
      return result;
    }
    EndWord();
    if (words_.empty()) {
      result.error = SplitError{1, "empty command: give a program to run"};
      return result;
    }
    result.command.words = std::move(words_);
    result.command.needs_shell = needs_shell_;
    return result;
  }

 private:
  bool Step() {
    char c = line_[pos_];
    if (quote_ == '\'') {
      if (c == '\'')
        quote_ = 0;
      else
        word_ += c;
      return true;
    }
    if (quote_ == '"') return StepDoubleQuoted(c);
    return StepUnquoted(c);
  }

  bool StepDoubleQuoted(char c) {
    if (c == '"') {
      quote_ = 0;
    } else if (c == '\\' && pos_ + 1 < line_.size() &&
               std::string_view("$`\"\\\n").find(line_[pos_ + 1]) != std::string_view::npos) {
      word_ += line_[++pos_];
    } else {
      if (c == '$' || c == '`') needs_shell_ = true;
      word_ += c;
    }
    return true;
  }

  bool StepUnquoted(char c) {
    if (c == ' ' || c == '\t') {
      EndWord();
      return true;
    }
    if (!in_word_ && (c == '#' || c == '~')) needs_shell_ = true;
    in_word_ = true;
    if (c == '\\') {
      if (pos_ + 1 >= line_.size()) {
        error_ = SplitError{pos_ + 1, "trailing backslash: remove it or escape it as \\\\"};
        return false;
      }
      word_ += line_[++pos_];
      raw_has_quote_ = true;
      return true;
    }
    if (c == '\'' || c == '"') {
      quote_ = c;
      quote_start_ = pos_;
      raw_has_quote_ = true;
      return true;
    }
    if (IsOperatorChar(c)) needs_shell_ = true;
    if (!raw_has_quote_) raw_ += c;
    word_ += c;
    return true;
  }

  void EndWord() {
    if (!in_word_) return;
    if (words_.empty() && (IsAssignment(raw_) || (!raw_has_quote_ && IsShellOnlyWord(word_)))) {
      needs_shell_ = true;
    }
    words_.push_back(std::move(word_));
    word_.clear();
    raw_.clear();
    raw_has_quote_ = false;
    in_word_ = false;
  }

  std::string_view line_;
  size_t pos_ = 0;
  char quote_ = 0;
  size_t quote_start_ = 0;
  bool in_word_ = false;
  bool needs_shell_ = false;
  std::string word_;
  std::string raw_;  // the word's unquoted prefix, to spot VAR=value
  bool raw_has_quote_ = false;
  std::vector<std::string> words_;
  SplitError error_;
};

}  // namespace

std::vector<std::string> CommandLine::Argv() const {
  if (needs_shell) return {"/bin/sh", "-c", line};
  return words;
}

SplitResult SplitCommandLine(std::string_view line) { return Splitter(line).Run(); }

}  // namespace spec
