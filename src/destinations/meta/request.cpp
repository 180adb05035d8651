// Meta CAPI: which events go (skip_reason) and the requests that carry them (build). Pure functions.
// The choices Meta's documentation leaves to us, and why: README.md here, "Decisions".
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>

#include "core/url.h"
#include "destinations/json_writer.h"
#include "destinations/meta/meta.h"

namespace fanout::dest::meta {
namespace {

std::string fbc_for(const Event& e) {
  if (!e.ids.fbc.empty()) return e.ids.fbc;
  if (e.ids.fbclid.empty()) return {};
  return "fb.1." + std::to_string(e.event_time * 1000) + "." + e.ids.fbclid;
}

bool lacks_browser_data(const Event& e) {
  return e.action_source == "website" && (e.user_agent.empty() || e.event_source_url.empty());
}

bool has_identifier(const Event& e) {
  const HashedUser& u = e.user;
  return !u.email_lower_sha256.empty() || !u.phone_digits_sha256.empty() || !u.first_name_sha256.empty() ||
         !u.last_name_sha256.empty() || !u.city_sha256.empty() || !u.state_sha256.empty() || !u.zip_sha256.empty() ||
         !u.country_sha256.empty() || !u.gender_sha256.empty() || !u.date_of_birth_sha256.empty() ||
         !u.external_id_sha256.empty() || !e.ip.empty() || !e.user_agent.empty() || !e.ids.fbc.empty() ||
         !e.ids.fbclid.empty() || !e.ids.fbp.empty();
}

void write_user_data(JsonWriter& w, const Event& e) {
  const HashedUser& u = e.user;
  w.Key("user_data");
  w.StartObject();
  put_list(w, "em", u.email_lower_sha256);
  put_list(w, "ph", u.phone_digits_sha256);
  put(w, "fn", u.first_name_sha256);
  put(w, "ln", u.last_name_sha256);
  put(w, "ge", u.gender_sha256);
  put(w, "db", u.date_of_birth_sha256);
  put(w, "ct", u.city_sha256);
  put(w, "st", u.state_sha256);
  put(w, "zp", u.zip_sha256);
  put(w, "country", u.country_sha256);
  put(w, "external_id", u.external_id_sha256);
  put(w, "client_ip_address", e.ip);
  put(w, "client_user_agent", e.user_agent);
  put(w, "fbc", fbc_for(e));
  put(w, "fbp", e.ids.fbp);
  w.EndObject();
}

void write_custom_data(JsonWriter& w, const Event& e) {
  auto props = json_object_members(e.properties_json);
  if (CommerceObject::empty(e, props)) return;
  CommerceObject o(w, "custom_data", e);
  if (!e.contents.empty()) {
    o.key("content_type");
    w.String("product");
    o.key("contents");
    w.StartArray();
    double items = 0;
    std::vector<std::string> ids;
    for (const Content& c : e.contents) {
      double quantity = c.quantity.value_or(1);
      items += quantity;
      if (!c.id.empty()) ids.push_back(c.id);
      w.StartObject();
      put(w, "id", c.id);
      w.Key("quantity");
      put_number(w, quantity);
      if (c.price) {
        w.Key("item_price");
        w.Double(*c.price);
      }
      put(w, "title", c.name);
      put(w, "category", c.category);
      w.EndObject();
    }
    w.EndArray();
    if (!ids.empty()) {
      o.key("content_ids");
      w.StartArray();
      for (const std::string& id : ids) w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
      w.EndArray();
    }
    o.key("num_items");
    put_number(w, items);
  }
  o.close(props);
}

void write_event(JsonWriter& w, const Event& e, const std::string& event_name, const std::string& action_source) {
  w.StartObject();
  put(w, "event_name", event_name);
  w.Key("event_time");
  w.Int64(e.event_time);
  put(w, "event_id", e.event_id);
  put(w, "action_source", action_source);
  put(w, "event_source_url", e.event_source_url);
  put(w, "referrer_url", e.referrer_url);
  write_user_data(w, e);
  write_custom_data(w, e);
  w.EndObject();
}

}  // namespace

std::string MetaDestination::pixel_for(const Event& event) const {
  const std::string& wanted = override_for(event, "meta").target_id;
  if (wanted.empty() || wanted == s_.pixel_id) return s_.pixel_id;
  // Intake already checks the allow-list; checking again keeps a stray id from ever choosing the dataset.
  bool allowed =
      std::find(s_.allowed_pixel_ids.begin(), s_.allowed_pixel_ids.end(), wanted) != s_.allowed_pixel_ids.end();
  return allowed ? wanted : s_.pixel_id;
}

std::string MetaDestination::test_code_for(const Event& event) const {
  const std::string& code = override_for(event, "meta").test_event_code;
  return code.empty() ? s_.test_event_code : code;
}

std::string MetaDestination::action_source_for(const Event& e) const {
  if (e.action_source == "crm") return "system_generated";
  if (lacks_browser_data(e) && s_.website_without_browser == "other") return "other";
  return e.action_source;
}

std::string MetaDestination::skip_reason(const Event& event, int64_t now_s) const {
  if (std::string r = common_skip_reason(event, "meta", now_s, window_for(event).count()); !r.empty()) return r;
  if (event.ad_user_data == Consent::denied) return "consent_denied";
  if (event.action_source == "app") return "app_data_missing";
  if (lacks_browser_data(event) && s_.website_without_browser == "skip") return "website_without_browser_data";
  if (!has_identifier(event)) return "missing_identifiers";
  return {};
}

std::vector<Request> MetaDestination::build(std::span<const Event* const> events, const Auth& /*auth*/) const {
  // One request per (pixel, test_event_code): both live outside `data`, so they cannot mix in one request.
  struct Group {
    std::string pixel, test_code;
    std::vector<size_t> indices;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < events.size(); ++i) {
    std::string pixel = pixel_for(*events[i]);
    std::string code = test_code_for(*events[i]);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.pixel == pixel && g.test_code == code; });
    if (it == groups.end()) it = groups.insert(groups.end(), Group{std::move(pixel), std::move(code), {}});
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
      w.Key("data");
      w.StartArray();
      for (size_t i : r.indices) {
        const Event& e = *events[i];
        write_event(w, e, resolve_event_name(e, "meta", s_.configured_names, default_event_names(), true),
                    action_source_for(e));
      }
      w.EndArray();
      put(w, "test_event_code", g.test_code);
      w.EndObject();
      r.http.url = join_url(s_.options.base_url, "/" + s_.api_version + "/" + g.pixel + "/events") +
                   "?access_token=" + percent_encode(s_.access_token);
      r.http.headers = {{"content-type", "application/json"}};
      r.http.body.assign(buf.GetString(), buf.GetSize());
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace fanout::dest::meta
