#include "logs/json_object.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "logs/prefixer.h"

namespace logs {
namespace {

std::vector<std::pair<std::string, std::string>> Members(std::string_view line) {
  std::vector<std::pair<std::string, std::string>> out;
  auto m = SplitJsonObject(line);
  EXPECT_TRUE(m) << line;
  if (m) {
    for (const JsonMember& member : *m) out.emplace_back(member.key, member.value);
  }
  return out;
}

bool Object(std::string_view line) { return SplitJsonObject(line).has_value(); }

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(JsonObject, SplitsTopLevelMembersInOrder) {
  EXPECT_EQ(Members(R"({"level":"info","msg":"hi","n":-1.5e3,"ok":true,"x":null})"),
            (Pairs{{"level", "\"info\""},
                   {"msg", "\"hi\""},
                   {"n", "-1.5e3"},
                   {"ok", "true"},
                   {"x", "null"}}));
  EXPECT_EQ(Members("{}"), Pairs{});
  EXPECT_EQ(Members(R"({"a":{"b":[1,{"c":[]}],"d":{}},"e":[]})"),
            (Pairs{{"a", R"({"b":[1,{"c":[]}],"d":{}})"}, {"e", "[]"}}));
}

TEST(JsonObject, BlanksOutsideStringsGoAndTrailingOnesAreFine) {
  EXPECT_EQ(Members("{ \"a\" : [ 1 , 2 ] ,\t\"b\" : { \"c\" : \"x y\" } }  \r"),
            (Pairs{{"a", "[1,2]"}, {"b", R"({"c":"x y"})"}}));
}

TEST(JsonObject, KeysAreDecodedValuesKeptAsWritten) {
  EXPECT_EQ(Members(R"({"\u0074ime":"a\nb\u00e9","caf\u00e9":1,"\ud83d\ude00":2})"),
            (Pairs{{"time", R"("a\nb\u00e9")"}, {"caf\xC3\xA9", "1"}, {"\xF0\x9F\x98\x80", "2"}}));
}

TEST(JsonObject, WhatIsNotOneObjectIsRejected) {
  for (const char* line : {"",
                           "plain text",
                           " {\"a\":1}",
                           "[1,2]",
                           "\"s\"",
                           "1",
                           "null",
                           "{",
                           "}",
                           "{\"a\"}",
                           "{\"a\":}",
                           "{\"a\":1,}",
                           "{,}",
                           "{\"a\":1}{\"b\":2}",
                           "{\"a\":1} x",
                           "{'a':1}",
                           "{a:1}",
                           "{\"a\":01}",
                           "{\"a\":1.}",
                           "{\"a\":.5}",
                           "{\"a\":-}",
                           "{\"a\":1e}",
                           "{\"a\":+1}",
                           "{\"a\":tru}",
                           "{\"a\":True}",
                           "{\"a\":[1,]}",
                           "{\"a\":[1 2]}",
                           "{\"a\":{\"b\"}}",
                           "{\"a\":NaN}",
                           "{\"a\":Infinity}",
                           "{\"a\":\"x}",
                           "{\"a\":\"\\x\"}",
                           "{\"a\":\"\\u12\"}",
                           "{\"a\":\"\\u12G4\"}",
                           "{\"a\":1}\n{"}) {
    EXPECT_FALSE(Object(line)) << line;
  }
}

TEST(JsonObject, ControlCharactersAndBadUtf8InStringsAreRejected) {
  EXPECT_FALSE(Object("{\"a\":\"tab\there\"}"));
  EXPECT_FALSE(Object(std::string("{\"a\":\"nul\0\"}", 12)));
  EXPECT_FALSE(Object("{\"a\":\"caf\xE9\"}"));          // Latin-1
  EXPECT_FALSE(Object("{\"caf\xE9\":1}"));              // in a key
  EXPECT_FALSE(Object("{\"a\":\"\xC0\xAF\"}"));         // overlong
  EXPECT_FALSE(Object("{\"a\":\"\xED\xA0\x80\"}"));     // a surrogate in UTF-8
  EXPECT_FALSE(Object("{\"a\":\"\xF0\x9F\x98\"}"));     // cut short
  EXPECT_TRUE(Object("{\"a\":\"caf\xC3\xA9 \x7F\"}"));  // DEL needs no escape in JSON
}

TEST(JsonObject, UnpairedSurrogateEscapesAreRejected) {
  EXPECT_FALSE(Object(R"({"a":"\ud800"})"));
  EXPECT_FALSE(Object(R"({"a":"\udc00"})"));
  EXPECT_FALSE(Object(R"({"a":"\ud800\u0041"})"));
  EXPECT_FALSE(Object(R"({"a":"\ud800x"})"));
  EXPECT_FALSE(Object(R"({"\ud800":1})"));
  EXPECT_TRUE(Object(R"({"a":"\ud800\udc00"})"));
}

TEST(JsonObject, NulInAKeyIsRejected) {
  EXPECT_FALSE(Object(R"({"a\u0000b":1})"));
  EXPECT_TRUE(Object(R"({"a":"x\u0000y"})"));  // in a value it is only text
}

TEST(JsonObject, DuplicateKeysAreRejectedEvenWhenEscapedDifferently) {
  EXPECT_FALSE(Object(R"({"a":1,"a":2})"));
  EXPECT_FALSE(Object(R"({"a":1,"\u0061":2})"));
  EXPECT_FALSE(Object(R"({"time":1,"\u0074ime":2})"));
  EXPECT_TRUE(Object(R"({"a":{"b":1,"b":2}})"));  // nested ones are the reader's concern
}

TEST(JsonObject, NumbersMustFitADouble) {
  EXPECT_TRUE(Object(R"({"a":123456789012345678901234567890})"));
  EXPECT_TRUE(Object(R"({"a":1.7976931348623157e308,"b":-0,"c":0.0,"d":1E+2})"));
  EXPECT_FALSE(Object(R"({"a":1e309})"));
  EXPECT_FALSE(Object(R"({"a":-1e999999999999999999})"));
  EXPECT_FALSE(Object("{\"a\":1" + std::string(5000, '0') + "}"));
  EXPECT_FALSE(Object(R"({"a":1e-400})"));
}

TEST(JsonObject, NestingIsBoundedWithoutRecursion) {
  auto nested = [](int levels, char open, char close) {
    std::string v(static_cast<size_t>(levels), open);
    v += std::string(static_cast<size_t>(levels), close);
    return "{\"a\":" + v + "}";
  };
  EXPECT_TRUE(Object(nested(kMaxJsonDepth - 1, '[', ']')));  // the object is one level
  EXPECT_FALSE(Object(nested(kMaxJsonDepth, '[', ']')));
  EXPECT_FALSE(Object(nested(1000000, '[', ']')));  // a million levels: no stack involved
  std::string deep = "{\"a\":";
  for (int i = 0; i < kMaxJsonDepth; ++i) deep += "{\"b\":";
  deep += "1" + std::string(kMaxJsonDepth + 1, '}');
  EXPECT_FALSE(Object(deep));
  deep = "{\"a\":";
  for (int i = 0; i < kMaxJsonDepth - 1; ++i) deep += "{\"b\":";
  deep += "1" + std::string(kMaxJsonDepth, '}');
  EXPECT_TRUE(Object(deep));
  EXPECT_FALSE(Object("{\"a\":" + std::string(1000000, '[')));  // never closed
}

// Hostile bytes, mutated from real log lines: whatever it accepts, a real
// JSON parser accepts too, and the merged line is an object with tend's
// fields and every member of the line.
TEST(JsonObject, AcceptsOnlyWhatAParserAcceptsAndMergesToValidJson) {
  const std::vector<std::string> seeds = {
      R"({"level":"info","msg":"listening","port":8080})",
      R"({"time":"2026-01-01T00:00:00Z","service":"x","stream":"y","fields.time":1})",
      R"({"a":[1,2,{"b":null}],"c":"\u00e9\ud83d\ude00\n","d":-0.5e-3})",
      R"({"nested":{"deep":[[[[[[[[1]]]]]]]]},"e":true,"f":false})",
      "{\"caf\xC3\xA9\":\"\xE2\x82\xAC\"}",
  };
  const std::string hostile =
      "{}[]\",:\\u0123456789abcdefeE+-.truefalsenull \t\r\x80\xC3\xE9\xFF\x00";
  std::mt19937 rng(17);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string line = seeds[rng() % seeds.size()];
    for (int edits = static_cast<int>(rng() % 4); edits > 0; --edits) {
      size_t at = line.empty() ? 0 : rng() % line.size();
      char c = hostile[rng() % hostile.size()];
      switch (rng() % 3) {
        case 0: line.insert(line.begin() + static_cast<long>(at), c); break;
        case 1:
          if (!line.empty()) line.erase(at, 1);
          break;
        default:
          if (!line.empty()) line[at] = c;
          break;
      }
    }
    auto members = SplitJsonObject(line);
    if (!members) continue;
    ++accepted;
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << line;
    ASSERT_TRUE(parsed.is_object()) << line;
    EXPECT_EQ(parsed.size(), members->size()) << line;
    std::string out;
    if (!AppendMergedJsonLine(out, "T", "svc", "stdout", line)) continue;
    auto merged = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(merged.is_discarded()) << out;
    EXPECT_EQ(merged["time"], "T") << out;
    EXPECT_EQ(merged["service"], "svc") << out;
    EXPECT_EQ(merged["stream"], "stdout") << out;
    EXPECT_EQ(merged.size(), members->size() + 3) << out;
  }
  EXPECT_GT(accepted, 1000);  // the mutations leave many lines whole
}

}  // namespace
}  // namespace logs
