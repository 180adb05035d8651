#include "ingest/http_reply.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace fanout::ingest {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

net::Response json(int status, const rapidjson::StringBuffer& buf) {
  net::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body.assign(buf.GetString(), buf.GetSize());
  return r;
}

}  // namespace

net::Response error_response(int status, std::string_view code, std::string_view message,
                             const std::vector<FieldError>& details) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("error");
  put(w, code);
  w.Key("message");
  put(w, message);
  if (!details.empty()) {
    w.Key("details");
    w.StartArray();
    const size_t shown = std::min(details.size(), kMaxErrorDetails);
    for (size_t i = 0; i < shown; ++i) {
      const FieldError& e = details[i];
      w.StartObject();
      w.Key("field");
      put(w, e.field);
      w.Key("message");
      put(w, e.message);
      w.EndObject();
    }
    w.EndArray();
    if (shown < details.size()) {
      w.Key("details_omitted");
      w.Uint64(details.size() - shown);
    }
  }
  w.EndObject();
  return json(status, buf);
}

net::Response text_response(int status, std::string body) {
  net::Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

net::Response received_one(int status, const std::string& event_id, bool duplicate) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("received");
  put(w, event_id);
  if (duplicate) {
    w.Key("duplicate");
    w.Bool(true);
  }
  w.EndObject();
  return json(status, buf);
}

net::Response received_many(int status, const std::vector<std::string>& event_ids,
                            const std::vector<std::string>& duplicates) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("received");
  w.StartArray();
  for (const auto& id : event_ids) put(w, id);
  w.EndArray();
  if (!duplicates.empty()) {
    w.Key("duplicates");
    w.StartArray();
    for (const auto& id : duplicates) put(w, id);
    w.EndArray();
  }
  w.EndObject();
  return json(status, buf);
}

}  // namespace fanout::ingest
