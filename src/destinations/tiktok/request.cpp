// TikTok Events API 2.0: which events go (skip_reason) and the requests that carry them (build). Pure.
// The choices TikTok's documentation leaves to us, and why: README.md here, "Decisions".
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include "destinations/json_writer.h"
#include "destinations/tiktok/tiktok.h"

namespace fanout::dest::tiktok {
namespace {

bool has_identifier(const Event& e) {
  return !e.user.email_lower_sha256.empty() || !e.user.phone_e164_sha256.empty() || !e.user.external_id_sha256.empty() ||
         !e.ids.ttclid.empty() || !e.ids.ttp.empty() || (!e.ip.empty() && !e.user_agent.empty());
}

void write_user(JsonWriter& w, const Event& e) {
  w.Key("user");
  w.StartObject();
  put_list(w, "email", e.user.email_lower_sha256);
  put_list(w, "phone", e.user.phone_e164_sha256);
  put(w, "external_id", e.user.external_id_sha256);
  put(w, "ttclid", e.ids.ttclid);
  put(w, "ttp", e.ids.ttp);
  put(w, "ip", e.ip);
  put(w, "user_agent", e.user_agent);
  w.EndObject();
}

void write_properties(JsonWriter& w, const Event& e) {
  auto props = json_object_members(e.properties_json);
  if (CommerceObject::empty(e, props)) return;
  CommerceObject o(w, "properties", e);
  if (!e.contents.empty()) {
    o.key("content_type");
    w.String("product");
    o.key("contents");
    w.StartArray();
    for (const Content& c : e.contents) {
      w.StartObject();
      put(w, "content_id", c.id);
      put(w, "content_name", c.name);
      put(w, "content_category", c.category);
      if (c.price) {
        w.Key("price");
        w.Double(*c.price);
      }
      if (c.quantity) {
        w.Key("quantity");
        put_number(w, *c.quantity);
      }
      w.EndObject();
    }
    w.EndArray();
  }
  o.close(props);
}

void write_event(JsonWriter& w, const Event& e, const std::string& event_name) {
  w.StartObject();
  put(w, "event", event_name);
  w.Key("event_time");
  w.Int64(e.event_time);
  put(w, "event_id", e.event_id);
  write_user(w, e);
  write_properties(w, e);
  if (!e.event_source_url.empty() || !e.referrer_url.empty()) {
    w.Key("page");
    w.StartObject();
    put(w, "url", e.event_source_url);
    put(w, "referrer", e.referrer_url);
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

std::string TiktokDestination::test_code_for(const Event& event) const {
  const std::string& code = override_for(event, "tiktok").test_event_code;
  return code.empty() ? s_.test_event_code : code;
}

std::pair<std::string_view, const std::string*> TiktokDestination::source_for(const Event& event) const {
  const std::string& a = event.action_source;
  if (a == "app") return {"app", &s_.app_id};
  if (a == "physical_store" || a == "phone_call" || a == "chat" || a == "email")
    return {"offline", &s_.offline_event_set_id};
  if (a == "crm" || a == "system_generated") return {"crm", &s_.crm_event_set_id};
  return {"web", &s_.pixel_code};
}

std::string TiktokDestination::skip_reason(const Event& event, int64_t now_s) const {
  if (std::string r = common_skip_reason(event, "tiktok", now_s, window().count()); !r.empty()) return r;
  if (auto [source, id] = source_for(event); id->empty()) return "no_event_source_id:" + std::string(source);
  if (event.ad_user_data == Consent::denied) return "consent_denied";
  if (!has_identifier(event)) return "missing_identifiers";
  return {};
}

std::vector<Request> TiktokDestination::build(std::span<const Event* const> events, const Auth& /*auth*/) const {
  // One request per (event source, test_event_code): both live outside `data`.
  struct Group {
    std::string_view source;
    const std::string* source_id;
    std::string code;
    std::vector<size_t> indices;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto [source, source_id] = source_for(*events[i]);
    std::string code = test_code_for(*events[i]);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.source == source && g.code == code; });
    if (it == groups.end()) it = groups.insert(groups.end(), Group{source, source_id, std::move(code), {}});
    it->indices.push_back(i);
  }

  std::vector<Request> out;
  for (const Group& g : groups) {
    for (auto& batch : batches(g.indices, s_.options.max_batch)) {
      Request r;
      r.indices = std::move(batch);
      rapidjson::StringBuffer buf(nullptr, body_capacity(r.indices.size()));
      JsonWriter w(buf);
      w.StartObject();
      put(w, "event_source", std::string(g.source));
      put(w, "event_source_id", *g.source_id);
      put(w, "test_event_code", g.code);
      w.Key("data");
      w.StartArray();
      for (size_t i : r.indices) {
        const Event& e = *events[i];
        write_event(w, e, resolve_event_name(e, "tiktok", s_.configured_names, default_event_names(), true));
      }
      w.EndArray();
      w.EndObject();
      r.http.url = join_url(s_.options.base_url, "/open_api/v1.3/event/track/");
      r.http.headers = {{"access-token", s_.access_token}, {"content-type", "application/json"}};
      r.http.body.assign(buf.GetString(), buf.GetSize());
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace fanout::dest::tiktok
