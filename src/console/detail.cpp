#include "console/detail.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "console/json.h"
#include "core/event_codec.h"

namespace fanout::console {
namespace {

// A request body as JSON when it is JSON (every platform's is), else as a JSON string.
void append_body(std::string& out, const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    append_json_string(out, body);
    return;
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  doc.Accept(w);
  // Re-escaped by append_json_string's rule for '<' so the text is safe wherever it is shown.
  for (const char* p = buf.GetString(); *p; ++p) {
    if (*p == '<')
      out += "\\u003c";
    else
      out += *p;
  }
}

void append_request(std::string& out, const dest::HttpRequest& r) {
  out += "{\"method\":";
  append_json_string(out, r.method);
  out += ",\"url\":";
  append_json_string(out, r.url);
  out += ",\"headers\":{";
  bool first = true;
  for (const auto& [name, value] : r.headers) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    append_json_string(out, value);
  }
  out += "},\"body\":";
  append_body(out, r.body);
  out += '}';
}

const dest::Destination* find(const std::vector<const dest::Destination*>& destinations, const std::string& name) {
  for (const auto* d : destinations)
    if (d->name() == name) return d;
  return nullptr;
}

}  // namespace

Result<std::optional<std::string>> event_detail_json(spool::Spool& spool, const std::string& event_id,
                                                     const std::vector<const dest::Destination*>& destinations) {
  auto stored = spool.find_event(event_id);
  if (!stored) return tl::unexpected(stored.error());
  if (!*stored) return std::optional<std::string>();
  const spool::StoredEvent& event = **stored;
  auto states = spool.delivery_states(event.seq, event.seq);
  if (!states) return tl::unexpected(states.error());
  auto attempts = spool.attempts(event.seq);
  if (!attempts) return tl::unexpected(attempts.error());
  std::vector<spool::Delivery> deliveries;
  for (auto& s : *states) deliveries.push_back(std::move(s.delivery));
  const EventRow row = make_row(event, deliveries);
  auto decoded = decode_event(event.payload);

  std::string out = "{\"event\":";
  append_row_json(out, row);
  out += ",\"destinations\":[";
  bool first = true;
  for (const spool::Delivery& d : row.deliveries) {
    if (!first) out += ',';
    first = false;
    out += "{\"destination\":";
    append_json_string(out, d.destination);
    out += ",\"state\":\"";
    out += spool::state_name(d.state);
    out += "\",\"reason\":";
    append_json_string(out, d.reason);
    // The request: none for a skipped delivery (nothing is sent); built for the others.
    out += ",\"request\":";
    const dest::Destination* destination = find(destinations, d.destination);
    if (d.state == spool::State::skipped || !decoded || !destination) {
      out += "null";
    } else {
      const Event* events[] = {&*decoded};
      std::vector<dest::Request> requests = destination->build(events, dest::Auth{"REDACTED"});
      if (requests.empty())
        out += "null";
      else
        append_request(out, requests.front().http);
    }
    out += ",\"attempts\":[";
    bool first_attempt = true;
    for (const spool::AttemptEntry& a : *attempts) {
      if (a.destination != d.destination) continue;
      if (!first_attempt) out += ',';
      first_attempt = false;
      out += "{\"at_ms\":";
      out += std::to_string(a.attempt.at_ms);
      out += ",\"http_status\":";
      out += std::to_string(a.attempt.http_status);
      out += ",\"outcome\":\"";
      out += a.outcome == spool::State::pending ? "retry" : spool::state_name(a.outcome);
      out += "\",\"error\":";
      append_json_string(out, a.attempt.error);
      out += ",\"latency_ms\":";
      append_json_number(out, a.attempt.latency_ms);
      out += '}';
    }
    out += "]}";
  }
  out += "]}";
  return std::optional<std::string>(std::move(out));
}

}  // namespace fanout::console
