#include "ingest/status_json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "core/clock.h"
#include "core/event.h"
#include "destinations/registry.h"

namespace fanout::ingest {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, const std::string& s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_delivery(Writer& w, const spool::Delivery& d) {
  w.StartObject();
  w.Key("state");
  w.String(spool::state_name(d.state));
  w.Key("attempts");
  w.Int(d.attempts);
  if (d.updated_at_ms > 0) {
    w.Key("updated_at");
    put(w, format_rfc3339_ms(d.updated_at_ms));
  }
  if ((d.state == spool::State::failed || d.state == spool::State::skipped) && !d.reason.empty()) {
    w.Key("reason");
    put(w, d.reason);
  }
  if (d.state == spool::State::pending) {
    if (d.next_attempt_at_ms > 0) {
      w.Key("next_attempt_at");
      put(w, format_rfc3339_ms(d.next_attempt_at_ms));
    }
    if (!d.last_error.empty()) {
      w.Key("last_error");
      put(w, d.last_error);
    }
  }
  w.EndObject();
}

}  // namespace

std::string event_status_json(const spool::EventStatus& status) {
  std::vector<const spool::Delivery*> deliveries;
  for (const auto& d : status.deliveries) deliveries.push_back(&d);
  std::stable_sort(deliveries.begin(), deliveries.end(), [](const spool::Delivery* a, const spool::Delivery* b) {
    return dest::output_rank(a->destination) < dest::output_rank(b->destination);
  });

  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("event_id");
  put(w, status.event_id);
  w.Key("received_at");
  put(w, format_rfc3339_ms(status.received_at_ms));
  w.Key("destinations");
  w.StartObject();
  for (const spool::Delivery* d : deliveries) {
    put(w, d->destination);
    write_delivery(w, *d);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace fanout::ingest
