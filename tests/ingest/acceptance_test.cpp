// ingest/acceptance: prepare() for one event (shared where it lies) and for a batch (each event on its own).
#include "ingest/acceptance.h"

#include <gtest/gtest.h>

#include "core/event_codec.h"
#include "test_support.h"

namespace fanout::ingest {
namespace {

using testing::FakeDestination;

Event event_named(const std::string& id) {
  Event e;
  e.event_id = id;
  e.event_name = "purchase";
  e.order_id = "order-" + id;
  return e;
}

TEST(Prepare, OneEventIsStampedEncodedAndOutlivesThePreparedRows) {
  FakeDestination meta("meta"), ga4("ga4", "no client id");
  std::shared_ptr<const Event> kept;
  {
    std::vector<Event> events{event_named("e1")};
    Prepared p = prepare(std::move(events), {&meta, &ga4}, 1'700'000'000'123);
    ASSERT_EQ(p.events.size(), 1u);
    ASSERT_EQ(p.rows.size(), 1u);
    EXPECT_EQ(p.events[0]->event_id, "e1");
    EXPECT_EQ(p.events[0]->received_at_ms, 1'700'000'000'123);
    EXPECT_EQ(p.rows[0].event_id, "e1");
    auto decoded = decode_event(p.rows[0].payload);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->order_id, "order-e1");
    EXPECT_EQ(decoded->received_at_ms, 1'700'000'000'123);
    ASSERT_EQ(p.rows[0].deliveries.size(), 2u);
    EXPECT_EQ(p.rows[0].deliveries[1].state, spool::State::skipped);
    EXPECT_EQ(p.rows[0].deliveries[1].reason, "no client id");
    EXPECT_EQ(p.pending[0], (std::vector<std::string>{"meta"}));
    kept = p.events[0];
  }
  // The delivery side holds events after intake let go of everything else.
  EXPECT_EQ(kept->event_id, "e1");
  EXPECT_EQ(kept->order_id, "order-e1");
}

TEST(Prepare, ABatchKeepsEachEventOnItsOwn) {
  FakeDestination meta("meta");
  std::vector<Event> events{event_named("a"), event_named("b"), event_named("c")};
  Prepared p = prepare(std::move(events), {&meta}, 5'000);
  ASSERT_EQ(p.events.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(p.events[i]->event_id, std::string(1, static_cast<char>('a' + i)));
    EXPECT_EQ(p.events[i]->received_at_ms, 5'000);
    EXPECT_EQ(p.rows[i].event_id, p.events[i]->event_id);
    EXPECT_EQ(p.pending[i], (std::vector<std::string>{"meta"}));
    EXPECT_EQ(p.events[i].use_count(), 1);  // freed with its own deliveries, not with the batch
  }
}

}  // namespace
}  // namespace fanout::ingest
