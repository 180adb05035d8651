#pragma once
// One mix of delivery states written through the Spool interface, and the counts it must give: shared by
// the SQLite and PostgreSQL tests of Spool::state_counts().
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "spool/spool.h"

namespace fanout::spool::counts_scenario {

using Counts = std::map<std::string, std::map<State, int64_t>>;

inline Counts as_map(const std::vector<StateCount>& counts) {
  Counts out;
  for (const StateCount& c : counts) out[c.destination][c.state] += c.count;
  return out;
}

inline NewEvent event(const std::string& id, int64_t received_at_ms, bool ga4_skipped) {
  NewEvent e;
  e.event_id = id;
  e.received_at_ms = received_at_ms;
  e.payload = R"({"event_id":")" + id + R"(","event_name":"purchase"})";
  e.deliveries.push_back(Delivery{"meta", State::pending, "", 0, 0, 0, ""});
  e.deliveries.push_back(Delivery{"ga4", ga4_skipped ? State::skipped : State::pending,
                                  ga4_skipped ? "consent_denied" : "", 0, 0, 0, ""});
  return e;
}

// The events a..d (received at `t0`) and the updates below, as `seqs` came back from enqueue.
inline std::vector<NewEvent> events(int64_t t0) {
  return {event("a", t0, true), event("b", t0, false), event("c", t0, false), event("d", t0, true)};
}
inline std::vector<DeliveryUpdate> updates(const std::vector<int64_t>& seqs, int64_t t0) {
  DeliveryUpdate retry{seqs[1], "ga4", State::pending, "", 1, t0 + 60000, "http_503"};  // a row, still pending
  return {DeliveryUpdate{seqs[0], "meta", State::delivered, "", 1, 0, ""},
          DeliveryUpdate{seqs[1], "meta", State::failed, "invalid_parameter", 1, 0, ""},
          retry,
          DeliveryUpdate{seqs[2], "ga4", State::delivered, "", 1, 0, ""},
          DeliveryUpdate{seqs[3], "meta", State::delivered, "", 1, 0, ""}};
}

// What events() + updates() hold: a retry scheduled is pending once, not twice.
inline Counts expected() {
  return {{"meta", {{State::delivered, 2}, {State::failed, 1}, {State::pending, 1}}},
          {"ga4", {{State::skipped, 2}, {State::pending, 1}, {State::delivered, 1}}}};
}

}  // namespace fanout::spool::counts_scenario
