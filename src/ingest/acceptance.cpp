#include "ingest/acceptance.h"

#include "core/event_codec.h"

namespace fanout::ingest {

Prepared prepare(std::vector<Event> events, const std::vector<const dest::Destination*>& destinations, int64_t now_ms) {
  Prepared p;
  // Sized up front: growing these vectors one push at a time cost a reallocation (and moves) per doubling,
  // per event and per destination.
  p.events.reserve(events.size());
  p.rows.reserve(events.size());
  p.pending.reserve(events.size());
  const int64_t now_s = now_ms / 1000;
  // One event (the webhook case) is shared where it lies, in its vector, instead of being moved (~60 short
  // strings, a copy each) into an allocation of its own. A batch's events are moved one by one, so each is
  // freed when its own deliveries end rather than with the last of its batch.
  const auto single = events.size() == 1 ? std::make_shared<std::vector<Event>>(std::move(events)) : nullptr;
  for (Event& event : single ? *single : events) {
    event.received_at_ms = now_ms;
    spool::NewEvent row;
    row.event_id = event.event_id;
    row.received_at_ms = now_ms;
    std::vector<std::string> pending;
    pending.reserve(destinations.size());
    row.deliveries.reserve(destinations.size());
    for (const dest::Destination* d : destinations) {
      spool::Delivery delivery;
      delivery.destination = std::string(d->name());
      delivery.reason = d->skip_reason(event, now_s);
      delivery.state = delivery.reason.empty() ? spool::State::pending : spool::State::skipped;
      delivery.updated_at_ms = now_ms;
      if (delivery.state == spool::State::pending) pending.emplace_back(d->name());
      row.deliveries.push_back(std::move(delivery));
    }
    row.payload = encode_event(event);
    p.rows.push_back(std::move(row));
    p.pending.push_back(std::move(pending));
    p.events.push_back(single ? std::shared_ptr<const Event>(single, &event)
                              : std::make_shared<const Event>(std::move(event)));
  }
  return p;
}

std::vector<spool::Accepted> accepted_for_delivery(const Prepared& prepared, const spool::EnqueueResult& result) {
  std::vector<spool::Accepted> out;
  for (size_t i = 0; i < prepared.events.size() && i < result.seq.size(); ++i) {
    bool duplicate = i < result.duplicate.size() && result.duplicate[i];
    if (duplicate || prepared.pending[i].empty()) continue;
    out.push_back(spool::Accepted{result.seq[i], prepared.events[i], prepared.pending[i]});
  }
  return out;
}

}  // namespace fanout::ingest
