// libFuzzer target: the HTTP status-line parsing of health probes, which
// reads whatever a service (or anything listening on its port) sends. Any
// bytes give a code in 100-599, "need more" or "malformed", never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "os/probe_conn.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto code = os::ParseStatusLine(text); code && (*code < 100 || *code > 599)) abort();
  int status = os::FinalStatus(text);
  if (status != os::kNeedMore && status != os::kMalformed && (status < 100 || status > 599))
    abort();
  // Without a newline nothing is final yet.
  if (text.find('\n') == std::string_view::npos && status != os::kNeedMore) abort();
  return 0;
}
