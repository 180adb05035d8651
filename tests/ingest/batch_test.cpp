#include <gtest/gtest.h>

#include "ingest/event_parser.h"
#include "parse_support.h"

namespace fanout::ingest {
namespace {

using testing::kNow;
using testing::parse;
using testing::Parsed;

std::string ev(const std::string& id) {
  return R"({"event_id":")" + id + R"(","event_name":"lead"})";
}

std::vector<std::string> fields(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}

TEST(Batch, ParsesEveryEventInOrder) {
  Parsed p = parse(R"({"events":[)" + ev("a") + "," + ev("b") + "," + ev("c") + "]}");
  ASSERT_TRUE(p.result.has_value());
  EXPECT_TRUE(p.result->batch);
  ASSERT_EQ(p.result->events.size(), 3u);
  EXPECT_EQ(p.result->events[0].event_id, "a");
  EXPECT_EQ(p.result->events[2].event_id, "c");
}

TEST(Batch, OneEventBatchIsStillABatch) {
  Parsed p = parse(R"({"events":[)" + ev("a") + "]}");
  ASSERT_TRUE(p.result.has_value());
  EXPECT_TRUE(p.result->batch);
}

TEST(Batch, EmptyBatchIsInvalid) {
  Parsed p = parse(R"({"events":[]})");
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(p.result.error().code, "invalid_event");
  EXPECT_EQ(fields(p.errors), std::vector<std::string>{"events"});
}

TEST(Batch, EventsMustBeAnArrayOfObjects) {
  Parsed p = parse(R"({"events":{"event_id":"a"}})");
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(fields(p.errors), std::vector<std::string>{"events"});
  p = parse(R"({"events":[)" + ev("a") + R"(,"b"]})");
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(fields(p.errors), std::vector<std::string>{"events[1]"});
}

TEST(Batch, MoreThanMaxEventsIsInvalid) {
  Parsed p = parse(R"({"events":[)" + ev("a") + "," + ev("b") + "," + ev("c") + "]}", 2);
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(p.result.error().code, "invalid_event");
  EXPECT_EQ(fields(p.errors), std::vector<std::string>{"events"});
  EXPECT_NE(p.errors[0].message.find("at most 2"), std::string::npos);
  EXPECT_TRUE(parse(R"({"events":[)" + ev("a") + "," + ev("b") + "]}", 2).result.has_value());
}

TEST(Batch, AnyInvalidEventRejectsTheWholeBatchListingEachIndex) {
  Parsed p = parse(R"({"events":[)" + ev("a") + R"(,{"event_name":"x"},)" + ev("c") +
                   R"(,{"event_id":"d","event_name":"x","user":{"emial":"q"}}]})");
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(p.result.error().code, "invalid_event");
  EXPECT_EQ(fields(p.errors), (std::vector<std::string>{"events[1].event_id", "events[3].user.emial"}));
  EXPECT_TRUE(p.result.error().message.find("events[1].event_id") == 0);
}

TEST(Batch, DuplicateEventIdInsideABatchIsInvalid) {
  Parsed p = parse(R"({"events":[)" + ev("a") + "," + ev("b") + "," + ev("a") + "]}");
  ASSERT_FALSE(p.result.has_value());
  ASSERT_EQ(fields(p.errors), std::vector<std::string>{"events[2].event_id"});
  EXPECT_NE(p.errors[0].message.find("events[0]"), std::string::npos);
}

TEST(Batch, OtherKeysBesideEventsAreUnknown) {
  Parsed p = parse(R"({"events":[)" + ev("a") + R"(],"source":"crm"})");
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(fields(p.errors), std::vector<std::string>{"source"});
}

}  // namespace
}  // namespace fanout::ingest
