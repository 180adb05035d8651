#pragma once
// Turning validated events into spool rows: the per-destination decision (pending or skipped with a reason)
// is taken once, here, and stored with the event; then, after the commit, the hand-off to delivery.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "destinations/destination.h"
#include "spool/accepted.h"
#include "spool/spool.h"

namespace fanout::ingest {

// Events ready to enqueue, index-aligned: rows[i] stores events[i], pending[i] names its pending destinations.
struct Prepared {
  std::vector<std::shared_ptr<const Event>> events;
  std::vector<spool::NewEvent> rows;
  std::vector<std::vector<std::string>> pending;
};

// Stamps every event with `now_ms` as received_at_ms, asks every destination for its skip reason at
// that time and encodes the payload (hashes only, never raw personal data).
Prepared prepare(std::vector<Event> events, const std::vector<const dest::Destination*>& destinations, int64_t now_ms);

// The committed, non-duplicate events with at least one pending destination, for delivery (Engine::submit).
std::vector<spool::Accepted> accepted_for_delivery(const Prepared& prepared, const spool::EnqueueResult& result);

}  // namespace fanout::ingest
