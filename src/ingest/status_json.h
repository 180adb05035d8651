#pragma once
// The body of GET /v1/events/{id} (docs/api.md, "Delivery status").
#include <string>

#include "spool/spool.h"

namespace fanout::ingest {

// {"event_id":..,"received_at":RFC3339,"destinations":{"meta":{"state":..,"attempts":..,"updated_at":..}, ...}}
// One key per destination recorded for the event (the destinations enabled when it was accepted), in
// documented order (meta, ga4, google_ads, microsoft_ads, tiktok). failed/skipped carry "reason"; a pending retry carries "next_attempt_at" and "last_error".
std::string event_status_json(const spool::EventStatus& status);

}  // namespace fanout::ingest
