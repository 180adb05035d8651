#include "app/preview.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "ingest/event_parser.h"
#include "ingest/http_reply.h"

namespace fanout::app {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void write_body(Writer& w, const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    w.String(body.data(), static_cast<rapidjson::SizeType>(body.size()));  // not JSON (e.g. a form): as text
  } else {
    doc.Accept(w);
  }
}

void write_request(Writer& w, const dest::HttpRequest& r) {
  w.StartObject();
  w.Key("method");
  w.String(r.method.c_str());
  w.Key("url");
  w.String(r.url.c_str());
  w.Key("headers");
  w.StartObject();
  for (const auto& [name, value] : r.headers) {
    w.Key(name.c_str());
    w.String(value.c_str());
  }
  w.EndObject();
  w.Key("body");
  write_body(w, r.body);
  w.EndObject();
}

}  // namespace

Result<std::string> preview(const Config& config, std::string_view body, int64_t now_s) {
  ingest::ParseOptions options;
  options.max_events = 1;
  options.now_s = now_s;
  options.identity = config.intake.identity;
  std::vector<ingest::FieldError> errors;
  auto parsed = ingest::parse_body(body, options, errors);
  if (!parsed)
    return fail(parsed.error().code, ingest::error_response(400, parsed.error().code, parsed.error().message, errors).body);
  if (parsed->batch || parsed->events.size() != 1)
    return fail("invalid_event", ingest::error_response(400, "invalid_event", "preview takes one event, not a batch").body);
  const Event& event = parsed->events.front();

  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("event_id");
  w.String(event.event_id.c_str());
  w.Key("destinations");
  w.StartArray();
  const dest::Auth redacted{"REDACTED"};
  for (const auto* d : config.destination_ptrs()) {
    w.StartObject();
    w.Key("destination");
    w.String(d->name().data(), static_cast<rapidjson::SizeType>(d->name().size()));
    std::string reason = d->skip_reason(event, now_s);
    if (!reason.empty()) {
      w.Key("action");
      w.String("skip");
      w.Key("reason");
      w.String(reason.c_str());
    } else {
      const Event* events[] = {&event};
      std::vector<dest::Request> requests = d->build(events, redacted);
      w.Key("action");
      w.String("send");
      w.Key("request");
      if (requests.empty()) {
        w.Null();
      } else {
        write_request(w, requests.front().http);
      }
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace fanout::app
