// JSON string literals for everything tend emits as JSON: log_format json
// lines, `tendctl logs` replies and follow lines, status and health replies
// (STATUS= text included), /readyz. The one place such strings are made,
// so that whatever bytes a service writes, tend's JSON stays valid.
//
// Invalid UTF-8 becomes U+FFFD, one per maximal subpart (as browsers,
// Python's errors="replace", Go's encoding/json and nlohmann's
// error_handler_t::replace do): readers get text they can show, and JSON
// parsers never fail. The original bytes are not recoverable from JSON;
// plain-text output keeps them as they are.
#pragma once

#include <string>
#include <string_view>

namespace logs {

// Appends `s` as a JSON string literal, quotes included: ", \ and control
// characters escaped, well-formed UTF-8 copied, ill-formed bytes replaced
// by U+FFFD (written as its three UTF-8 bytes).
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace logs
