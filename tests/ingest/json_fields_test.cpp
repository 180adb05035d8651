#include "ingest/json_fields.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fanout::ingest {
namespace {

// Field names of the "duplicate field" errors unique_members records for `json` (an object).
std::vector<std::string> duplicates_in(const std::string& json) {
  rapidjson::Document doc;
  EXPECT_TRUE(parse_json(json, doc));
  std::vector<FieldError> errors;
  FieldReader fields(errors, "");
  fields.unique_members(doc, "user");
  std::vector<std::string> names;
  for (const auto& e : errors) {
    EXPECT_EQ(e.message, "duplicate field");
    names.push_back(e.field);
  }
  return names;
}

// `keys` distinct filler keys, then a, b, a, a, b: small objects take the pairwise scan, large ones the set.
std::string object_with(int keys) {
  std::string json = "{";
  for (int i = 0; i < keys; ++i) json += "\"k" + std::to_string(i) + "\":1,";
  return json + R"("a":1,"b":2,"a":3,"a":4,"b":5})";
}

TEST(JsonFields, DuplicatesAreNamedAtEachRepetitionWhateverTheObjectSize) {
  const std::vector<std::string> expected{"user.a", "user.a", "user.b"};
  EXPECT_EQ(duplicates_in(object_with(0)), expected);
  EXPECT_EQ(duplicates_in(object_with(27)), expected);  // 32 members: the last size scanned pairwise
  EXPECT_EQ(duplicates_in(object_with(28)), expected);  // 33 members: the set
  EXPECT_EQ(duplicates_in(object_with(500)), expected);
  EXPECT_TRUE(duplicates_in(R"({"a":1,"b":2})").empty());
  EXPECT_TRUE(duplicates_in("{}").empty());
}

}  // namespace
}  // namespace fanout::ingest
