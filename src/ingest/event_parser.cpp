#include "ingest/event_parser.h"

#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstddef>
#include <map>

#include "core/clock.h"
#include "ingest/event_reader.h"
#include "ingest/json_fields.h"

namespace fanout::ingest {
namespace {

Result<ParsedBody> invalid(const std::vector<FieldError>& errors) {
  return fail("invalid_event", summarize(errors), errors.empty() ? "" : errors.front().field);
}

// Checks the {"events":[...]} envelope; returns the array or null after recording why it is unusable.
const JsonValue* batch_array(const JsonValue& root, const ParseOptions& options, FieldReader& envelope) {
  envelope.unique_members(root, "");
  for (const auto& m : root.GetObject())
    if (std::string_view(m.name.GetString(), m.name.GetStringLength()) != "events")
      envelope.error(key_for_message(m.name), "unknown field (a batch holds only \"events\")");
  const JsonValue& events = root["events"];
  if (!events.IsArray()) {
    envelope.error("events", std::string("must be an array of events, not ") + json_type_name(events));
    return nullptr;
  }
  if (events.Empty()) {
    envelope.error("events", "must hold at least one event");
    return nullptr;
  }
  if (events.Size() > options.max_events) {
    envelope.error("events", "must hold at most " + std::to_string(options.max_events) + " events per request");
    return nullptr;
  }
  return &events;
}

// Follows a SAX parse and knows, at any point, the path of the value being read: where a number too large for
// a double (1e400) sits, so it is reported on its field like any other bad value instead of as "not JSON".
class PathTracker : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, PathTracker> {
 public:
  bool Default() {
    next();
    return true;
  }
  bool StartObject() { return open(true); }
  bool StartArray() { return open(false); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    levels_.back().key.assign(s, n);
    return true;
  }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool EndArray(rapidjson::SizeType) { return close(); }

  // "events[2].value", "properties.total", or "" for the root.
  std::string path() const {
    std::string out;
    for (const Level& level : levels_) {
      if (level.object)
        out += (out.empty() ? "" : ".") + level.key;
      else
        out += "[" + std::to_string(level.index) + "]";
    }
    return out;
  }

 private:
  struct Level {
    bool object = false;
    size_t index = 0;  // array: the element being read
    std::string key;   // object: the member being read
  };
  bool open(bool object) {
    levels_.push_back(Level{object, 0, {}});
    return true;
  }
  bool close() {
    levels_.pop_back();
    next();
    return true;
  }
  void next() {
    if (!levels_.empty() && !levels_.back().object) ++levels_.back().index;
  }
  std::vector<Level> levels_;
};

// The path of the value at which parsing `body` stops (the parse error's position).
std::string path_at_parse_error(std::string_view body) {
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;  // as parse_json
  PathTracker tracker;
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(body.data(), body.size());
  reader.Parse<kFlags>(stream, tracker);
  return tracker.path();
}

}  // namespace

std::string summarize(const std::vector<FieldError>& errors) {
  if (errors.empty()) return "the event is invalid";
  std::string s =
      errors.front().field.empty() ? errors.front().message : errors.front().field + ": " + errors.front().message;
  if (errors.size() > 1) s += " (and " + std::to_string(errors.size() - 1) + " more)";
  return s;
}

Result<ParsedBody> parse_body(std::string_view body, const ParseOptions& options, std::vector<FieldError>& errors) {
  // A typical body's DOM fits in this buffer, so parsing allocates nothing for it (rapidjson's pool would
  // otherwise malloc and free a 64 KiB chunk per request); larger bodies spill into pool chunks as before.
  alignas(std::max_align_t) char pool_buffer[16 * 1024];
  rapidjson::MemoryPoolAllocator<> pool(pool_buffer, sizeof pool_buffer);
  rapidjson::Document doc(&pool);
  if (!parse_json(body, doc)) {
    if (doc.GetParseError() != rapidjson::kParseErrorNumberTooBig)
      return fail("invalid_json", "the body is not valid JSON (UTF-8)");
    std::string field = path_at_parse_error(body);
    errors.push_back(FieldError{field.empty() ? "body" : std::move(field),
                                "number out of range (beyond what a double holds, about 1.8e308)"});
    return invalid(errors);
  }
  if (!doc.IsObject()) return fail("invalid_json", "the body must be a JSON object");
  const int64_t now_s = options.now_s != 0 ? options.now_s : now_ms() / 1000;
  const size_t errors_before = errors.size();

  ParsedBody parsed;
  if (!doc.HasMember("events")) {
    FieldReader fields(errors, "");
    // Read in place: moving an Event (~60 short strings) cost ~1.2k instructions per request.
    Event& event = parsed.events.emplace_back();
    if (!read_event(doc, fields, options, now_s, event)) return invalid(errors);
    return parsed;
  }

  parsed.batch = true;
  FieldReader envelope(errors, "");
  const JsonValue* events = batch_array(doc, options, envelope);
  if (!events) return invalid(errors);
  std::map<std::string, size_t> first_index;  // event_id -> index of its first occurrence
  for (rapidjson::SizeType i = 0; i < events->Size(); ++i) {
    const std::string prefix = "events[" + std::to_string(i) + "]";
    const JsonValue& item = (*events)[i];
    if (!item.IsObject()) {
      envelope.error(prefix, std::string("must be an object, not ") + json_type_name(item));
      continue;
    }
    FieldReader fields(errors, prefix + ".");
    Event event;
    if (!read_event(item, fields, options, now_s, event)) continue;
    auto [it, inserted] = first_index.emplace(event.event_id, i);
    if (!inserted) {
      fields.error("event_id", "duplicates events[" + std::to_string(it->second) + "].event_id");
      continue;
    }
    parsed.events.push_back(std::move(event));
  }
  // All or nothing: one invalid event rejects the batch, with every problem listed.
  if (errors.size() != errors_before) return invalid(errors);
  return parsed;
}

}  // namespace fanout::ingest
