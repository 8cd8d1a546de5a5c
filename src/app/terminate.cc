// What tend prints when an exception escapes (a bug: exceptions stay in
// config parsing). libstdc++'s default handler, __verbose_terminate_handler,
// names the exception's type through the C++ demangler, which brings 47 KB
// (cp-demangle.o) into the static binary. Defining the handler here keeps
// libstdc++'s copy out of the link: what() is the useful part anyway.
// Linked into the tend executable only, not tendlib (unit tests keep the
// verbose one).
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace __gnu_cxx {  // NOLINT(cert-dcl58-cpp): replaces libstdc++'s default handler

// NOLINTNEXTLINE(bugprone-reserved-identifier): the name libstdc++ calls.
void __verbose_terminate_handler() {
  static bool terminating = false;  // a second terminate while printing: just abort
  if (!terminating) {
    terminating = true;
    if (std::exception_ptr e = std::current_exception()) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        std::fprintf(stderr, "tend: terminate called after an exception: %s\n", x.what());
      } catch (...) {
        std::fputs("tend: terminate called after an exception of unknown type\n", stderr);
      }
    } else {
      std::fputs("tend: terminate called without an active exception\n", stderr);
    }
  }
  std::abort();
}

}  // namespace __gnu_cxx
