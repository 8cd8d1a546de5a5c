// Result<T>: a value, or the system call that failed and its errno
// (leveldb's Status, narrowed to what os/ needs). os/ returns these;
// callers decide whether an error is fatal (before start-up) or logged.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace base {

struct Error {
  std::string what;  // the call or step that failed, e.g. "pidfd_open"
  int err = 0;       // errno, 0 when not a system error

  std::string Describe() const { return err ? what + ": " + std::strerror(err) : what; }
};

inline Error Errno(std::string what) { return Error{std::move(what), errno}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool Ok() const { return v_.index() == 0; }
  explicit operator bool() const { return Ok(); }
  T& Value() { return std::get<0>(v_); }
  const T& Value() const { return std::get<0>(v_); }
  T& operator*() { return Value(); }
  T* operator->() { return &Value(); }
  const Error& Err() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status OkStatus() { return Unit{}; }

}  // namespace base
