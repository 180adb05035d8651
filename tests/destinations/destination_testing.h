#pragma once
// Test helpers for the destinations: build one from TOML text, and a sample
// event already hashed (hashes are the platforms' published test vectors).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/config_table.h"
#include "core/event.h"
#include "destinations/destination.h"
#include "destinations/options.h"
#include "destinations/registry.h"

namespace fanout::dest::testing {

struct Loaded {
  ConfigErrors errors;
  std::unique_ptr<Destination> dest;
  bool has_error(const std::string& text) const {
    for (const std::string& e : errors.items)
      if (e.find(text) != std::string::npos) return true;
    return false;
  }
};

// Builds destination `name` from [destinations.<name>] and the [events.*].<name> entries of a whole config.
inline std::unique_ptr<Loaded> load(const std::string& toml_text, const std::string& name, bool redact = false) {
  auto out = std::make_unique<Loaded>();
  out->errors.redact_secrets = redact;
  toml::table root = toml::parse(toml_text);
  EventNameMap names;
  if (const toml::table* events = root["events"].as_table())
    for (const auto& [canonical, node] : *events)
      if (const toml::table* t = node.as_table())
        if (auto v = (*t)[name].value<std::string>()) names[std::string(canonical.str())] = *v;
  ConfigTable table(root["destinations"][name].as_table(), "destinations." + name, out->errors);
  // Through the registry, as the app builds them: a platform is testable once it is registered.
  const Registration* platform = find_registration(name);
  EXPECT_NE(platform, nullptr) << name << " is not registered";
  if (platform) out->dest = platform->make(table, names);
  return out;
}

// SHA-256 test vectors the platforms publish, so the samples look like what identity/ produces.
inline constexpr const char* kEmailMeta = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f";
inline constexpr const char* kPhoneDigits = "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176";
inline constexpr const char* kPhoneE164 = "1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8";
inline constexpr const char* kEmailMsCapi = "ec81f3ac7b2b19675bab9d54cf416f9f18cff87c97da5cca82c0f0891bc40602";
inline constexpr const char* kFirstName = "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec";
inline constexpr const char* kCountry = "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621";

inline constexpr int64_t kEventTime = 1795435200;  // 2026-11-23T12:00:00Z

// A purchase with every identifier each of the three platforms reads.
inline Event sample_event(const std::string& id = "ord-1") {
  Event e;
  e.event_id = id;
  e.event_name = "purchase";
  e.event_time = kEventTime;
  e.received_at_ms = kEventTime * 1000 + 123;
  e.event_source_url = "https://shop.example.com/checkout/done";
  e.user.email_lower_sha256 = {kEmailMeta};
  e.user.email_no_dots_tag_sha256 = {kEmailMsCapi};
  e.user.phone_digits_sha256 = {kPhoneDigits};
  e.user.phone_e164_sha256 = {kPhoneE164};
  e.user.first_name_sha256 = kFirstName;
  e.user.country_sha256 = kCountry;
  e.user.external_id = "crm-42";
  e.user.external_id_sha256 = "c995655d9d4b04d624bc48b0bf3e4e773b6a3ab4dc56e9ec623aebf3ff5be297";
  e.ip = "203.0.113.7";
  e.user_agent = "Mozilla/5.0 (X11; Linux x86_64)";
  e.ids.fbclid = "IwAR2xYz";
  e.ids.ttclid = "E.C.P.abc";
  e.ids.msclkid = "0c5e6b1d-2f3a-4b5c-8d7e-8f9a0b1c2d3e";
  e.value = 49.5;
  e.currency = "EUR";
  e.order_id = "ord-1";
  e.contents = {Content{"sku-1", 2.0, 19.75, "Mug", "kitchen"}, Content{"sku-2", std::nullopt, 10.0, "", ""}};
  return e;
}

// An event with no identifier of any kind.
inline Event anonymous_event() {
  Event e;
  e.event_id = "anon-1";
  e.event_name = "lead";
  e.event_time = kEventTime;
  return e;
}

// A request as build() would return for `n` events.
inline Request request_of(size_t n) {
  Request r;
  for (size_t i = 0; i < n; ++i) r.indices.push_back(i);
  return r;
}

inline HttpResponse answer(int status, std::string body, std::map<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline rapidjson::Document parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  return d;
}

// Parses a body that must be JSON (a failed expectation otherwise).
inline rapidjson::Document parse_valid(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body;
  return d;
}

// Pointers to `events`, in order: what build() takes.
inline std::vector<const Event*> ptrs(const std::vector<Event>& events) {
  std::vector<const Event*> out;
  for (const auto& e : events) out.push_back(&e);
  return out;
}

inline std::string header(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<absent>";
}

inline std::vector<Request> build_all(const Destination& d, const std::vector<Event>& events, const Auth& auth = {}) {
  std::vector<const Event*> ptrs;
  for (const Event& e : events) ptrs.push_back(&e);
  return d.build(ptrs, auth);
}

}  // namespace fanout::dest::testing
