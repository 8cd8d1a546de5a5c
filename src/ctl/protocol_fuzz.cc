// libFuzzer target: the control protocol's request parser. Any bytes give a
// request or an error message, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ctl/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ctl::ParseResult r =
      ctl::ParseRequest(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!r.request && r.error.empty()) abort();
  if (r.request && r.request->lines < 0) abort();
  if (!r.request && ctl::ErrorReply(r.error).back() != '\n') abort();
  return 0;
}
