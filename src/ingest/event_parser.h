#pragma once
// Parsing and validation of the canonical event body (docs/api.md): one event or {"events":[...]}.
// Personal data is hashed (identity::hash_user) before an Event is returned: raw values never leave parsing.
// Used by intake (POST /v1/events) and by `fanout preview`.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "identity/identity.h"

namespace fanout::ingest {

// One problem with the input, named by its path: "user.email", "events[2].event_id", "contents[0].price".
struct FieldError {
  std::string field;    // JSON path of the offending field (batch: prefixed "events[i].")
  std::string message;  // what is wrong, for the caller; never echoes personal data
};

struct ParseOptions {
  size_t max_events = 500;     // most events in one batch (ingest.max_events_per_request)
  int64_t now_s = 0;           // Unix seconds "now" (default event_time, future check); 0 = the wall clock
  identity::Options identity;  // phone region default for hashing
};

struct ParsedBody {
  std::vector<Event> events;  // in request order; at least one; event_ids unique
  bool batch = false;         // the body was {"events":[...]}
};

// Errors: code "invalid_json" (not JSON, not UTF-8, or not an object) or "invalid_event" with every
// problem appended to `errors` (a batch is rejected as a whole, each error carrying its index).
// Rules: event_id string 1..256; event_name string 1..128; event_time integer Unix seconds or RFC 3339
// (default now; > 5 min ahead or before 2000 invalid); action_source from docs/api.md's list (default website);
// unknown fields at the top level and in user, ids, consent are errors. A null or "" optional field is absent.
Result<ParsedBody> parse_body(std::string_view body, const ParseOptions& options, std::vector<FieldError>& errors);

// "field: message (and N more)" summarising `errors` for an error's message line.
std::string summarize(const std::vector<FieldError>& errors);

}  // namespace fanout::ingest
