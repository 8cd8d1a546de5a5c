// libFuzzer target: tendctl's argument parser. The input is split on NUL
// bytes into arguments. Bad input must give one error line; good input a
// request that serialises and that tend's parser reads; never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "ctl/client_args.h"
#include "ctl/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.emplace_back();
    } else {
      args.back() += static_cast<char>(data[i]);
    }
  }
  ctl::ClientArgsResult r = ctl::ParseClientArgs(args, nullptr);
  if (r.error) {
    if (r.error->empty() || r.error->find('\n') != std::string::npos) abort();
    return 0;
  }
  if (r.args.help || r.args.version) return 0;
  std::string line = r.args.request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // What tend makes of it (names may be ones tend rejects: too long, say).
  (void)ctl::ParseRequest(line);
  return 0;
}
