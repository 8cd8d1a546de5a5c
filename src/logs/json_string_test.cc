#include "logs/json_string.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace logs {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(JsonString, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Json("say \"hi\"\t\\ \x01\x7f\n"), "\"say \\\"hi\\\"\\t\\\\ \\u0001\\u007f\\n\"");
}

TEST(JsonString, CopiesWellFormedUtf8) {
  EXPECT_EQ(Json("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(JsonString, ReplacesIllFormedBytesWithU_FFFD) {
  EXPECT_EQ(Json("caf\xE9"), "\"caf\xEF\xBF\xBD\"");
  EXPECT_EQ(Json("\xE2\x82x"), "\"\xEF\xBF\xBDx\"");                            // one per subpart
  EXPECT_EQ(Json("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a surrogate
  EXPECT_EQ(Json("\xC3"), "\"\xEF\xBF\xBD\"");                                  // cut at the end
}

// Whatever the bytes, a strict parser reads the result back.
TEST(JsonString, EveryByteStringMakesValidJson) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  for (std::string s : {all, std::string(all.rbegin(), all.rend()), all + all.substr(0xC0)}) {
    auto parsed = nlohmann::json::parse(Json(s), nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(parsed.is_string());
    EXPECT_NO_THROW((void)parsed.dump());
  }
}

}  // namespace
}  // namespace logs
