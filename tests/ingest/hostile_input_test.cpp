// Hostile bodies: error answers stay small however many problems a body has, a NUL hidden in `properties`
// is refused like in every other field, and a number beyond a double's range is reported on its field.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "ingest/http_reply.h"
#include "parse_support.h"

namespace fanout::ingest {
namespace {

using testing::parse;

const std::string kHead = R"({"event_id":"e1","event_name":"purchase",)";

TEST(ErrorAnswer, ListsAtMostAHundredDetailsAndCountsTheRest) {
  std::string body = kHead + R"("user":{"email":"a@example.com")";
  for (int i = 0; i < 60000; ++i) body += ",\"unknown" + std::to_string(i) + "\":1";
  body += "}}";
  auto p = parse(body);
  ASSERT_FALSE(p.result);
  ASSERT_EQ(p.errors.size(), 60000u);

  net::Response r = error_response(400, p.result.error().code, p.result.error().message, p.errors);
  EXPECT_LT(r.body.size(), 16u * 1024) << "an answer of " << r.body.size() << " bytes";
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  ASSERT_FALSE(d.HasParseError());
  ASSERT_EQ(d["details"].Size(), kMaxErrorDetails);
  EXPECT_STREQ(d["details"][0]["field"].GetString(), "user.unknown0");
  EXPECT_EQ(d["details_omitted"].GetUint64(), 60000u - kMaxErrorDetails);
  EXPECT_NE(std::string(d["message"].GetString()).find("(and 59999 more)"), std::string::npos);
}

TEST(ErrorAnswer, AShortListIsWholeAndHasNoOmittedCount) {
  net::Response r = error_response(400, "invalid_event", "x", {{"a", "bad"}, {"b", "bad"}});
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  EXPECT_EQ(d["details"].Size(), 2u);
  EXPECT_FALSE(d.HasMember("details_omitted"));
}

TEST(Properties, ANulInAValueIsRefusedOnItsPath) {
  auto p = parse(kHead + R"("properties":{"plan":{"tier":["gold","a\u0000b"]}}})");
  ASSERT_FALSE(p.result);
  EXPECT_EQ(p.result.error().code, "invalid_event");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].field, "properties.plan.tier[1]");
  EXPECT_EQ(p.errors[0].message, "must not contain NUL characters");
}

TEST(Properties, ANulInAKeyIsRefused) {
  auto p = parse(kHead + R"("properties":{"a\u0000b":1}})");
  ASSERT_FALSE(p.result);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].message, "must not contain NUL characters");
}

TEST(Properties, NewlinesInFreeTextStayAllowed) {
  auto p = parse(kHead + R"("properties":{"note":"line 1\nline 2"}})");
  ASSERT_TRUE(p.result) << (p.errors.empty() ? "" : p.errors[0].message);
}

TEST(Numbers, OutOfRangeIsReportedOnItsFieldNotAsInvalidJson) {
  auto p = parse(kHead + R"("value":1e400})");
  ASSERT_FALSE(p.result);
  EXPECT_EQ(p.result.error().code, "invalid_event");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].field, "value");
  EXPECT_NE(p.errors[0].message.find("out of range"), std::string::npos);
}

TEST(Numbers, OutOfRangeInABatchItemOrArrayNamesTheFullPath) {
  auto p = parse(R"({"events":[{"event_id":"a","event_name":"lead"},)"
                 R"({"event_id":"b","event_name":"purchase","contents":[{"id":"x"},{"price":-2e999}]}]})");
  ASSERT_FALSE(p.result);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].field, "events[1].contents[1].price");
}

TEST(Numbers, BrokenJsonIsStillInvalidJson) {
  auto p = parse(kHead + R"("value":1e400)");  // also unterminated, but the number comes first
  EXPECT_FALSE(p.result);
  auto q = parse(kHead + R"("value":})");
  ASSERT_FALSE(q.result);
  EXPECT_EQ(q.result.error().code, "invalid_json");
}

}  // namespace
}  // namespace fanout::ingest
