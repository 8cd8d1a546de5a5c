// libFuzzer target: the sd_notify message parser, which reads datagrams any
// process in the container may send. Any bytes give a message, never a
// crash; a MAINPID is always positive and a status never spans lines.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/notify_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  core::NotifyMessage m = core::ParseNotify(text);
  if (m.mainpid && *m.mainpid <= 0) abort();
  if (m.status && m.status->find('\n') != std::string::npos) abort();
  if (m.ready && text.find("READY=1") == std::string_view::npos) abort();
  return 0;
}
