// libFuzzer target: the probe target parsers. Any bytes give a target or an
// error, never a crash; a target is in range, has a path fit for a request
// line, and its Describe() parses back to the same address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/probe_target.h"

namespace {

void CheckTarget(const spec::ProbeTargetResult& r) {
  if (!r.target) {
    if (r.error.empty()) abort();
    return;
  }
  const spec::ProbeTarget& t = *r.target;
  if (t.port < 1 || t.port > 65535 || t.host.empty()) abort();
  for (unsigned char c : t.path + t.host_header) {
    if (c <= ' ' || c >= 0x7f) abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  spec::ProbeTargetResult tcp = spec::ParseTcpTarget(text);
  CheckTarget(tcp);
  if (tcp.target && !(spec::ParseTcpTarget(tcp.target->Describe()).target == tcp.target)) abort();
  spec::ProbeTargetResult http = spec::ParseHttpTarget(text);
  CheckTarget(http);
  if (http.target) {
    if (http.target->path.front() != '/') abort();
    auto again = spec::ParseHttpTarget(http.target->Describe()).target;
    if (!again || again->host != http.target->host || again->port != http.target->port ||
        again->path != http.target->path) {
      abort();
    }
  }
  return 0;
}
