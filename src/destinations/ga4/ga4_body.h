#pragma once
// The GA4 Measurement Protocol JSON body, built from already hashed events. Pure functions.
#include <span>
#include <string>
#include <string_view>

#include "core/event.h"
#include "destinations/options.h"

namespace fanout::dest::ga4 {

// Built-in canonical -> GA4 recommended event names (docs/configuration.md, `[events.<canonical name>]`); names not listed go as their canonical name.
const EventNameMap& default_event_names();

// True when GA4 accepts `name` as an event name: ^[A-Za-z][A-Za-z0-9_]{0,39}$, no reserved prefix
// (firebase_, ga_, google_) and not a Measurement Protocol reserved name (session_start, first_visit, ...).
bool valid_event_name(std::string_view name);

// The GA4 user_id: the event's ga4_user_id, else user.external_id; "" when none or longer than 256 bytes.
std::string user_id_for(const Event& event);

// Compact JSON of the request-level `consent` object, "" when neither signal is specified.
std::string consent_json(const Event& event);

// Compact JSON of the request-level `user_data` object (Google-normalized hashes, clear-text address
// parts), "" when the event carries no user-provided data.
std::string user_data_json(const Event& event);

// The request-level fields of one event: events sharing them (and client_id) may share a request.
struct RequestLevel {
  std::string user_id;    // user_id_for()
  std::string consent;    // consent_json()
  std::string user_data;  // user_data_json()
};
RequestLevel request_level(const Event& event);

// The whole body for `events`, which share client_id and `level` (the caller groups them); `names[i]` is
// the GA4 event name of `events[i]`. At most 25 events.
std::string body(std::span<const Event* const> events, std::span<const std::string> names, const RequestLevel& level);

}  // namespace fanout::dest::ga4
