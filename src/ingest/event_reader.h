#pragma once
// Reading one canonical event object into an Event (internal to ingest/). Each section reader records
// errors through `fields` and fills its part of the event; the caller decides once at the end.
#include <string>

#include "core/event.h"
#include "ingest/event_parser.h"
#include "ingest/json_fields.h"

namespace fanout::ingest {

// Reads the whole event `obj` (an object). Returns true when no error was recorded for it; `event` is then
// complete, with personal data already hashed.
bool read_event(const JsonValue& obj, FieldReader& fields, const ParseOptions& options, int64_t now_s, Event& event);

// Sections of the event (each takes the section's value, which may be null or of a wrong type).
void read_user(const JsonValue& v, FieldReader& fields, RawUser& raw, Event& event);
void read_ids(const JsonValue& v, FieldReader& fields, Ids& ids);
void read_consent(const JsonValue& v, FieldReader& fields, Event& event);
void read_contents(const JsonValue& v, FieldReader& fields, std::vector<Content>& contents);
void read_properties(const JsonValue& v, FieldReader& fields, std::string& properties_json);
void read_destinations(const JsonValue& v, FieldReader& fields, std::map<std::string, DestinationOverride>& out);

// An object key as it may appear in a message: bounded, so a hostile key cannot flood an answer.
std::string key_for_message(const JsonValue& name);

}  // namespace fanout::ingest
