#pragma once
// The canonical event (docs/api.md) in two forms:
//  - RawUser: personal data as the caller sent it. Lives only in memory, between parsing and hashing.
//  - Event: what fanout stores and delivers. Personal data is already normalized and hashed, once per
//    normalization rule (HashedUser); raw email, phone and names never reach an Event.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fanout {

// Personal data exactly as received. Never logged, never stored.
struct RawUser {
  std::vector<std::string> email;
  std::vector<std::string> phone;
  std::string first_name, last_name, city, state, zip, country, gender, date_of_birth;
  std::string external_id;
  // Values the caller hashed itself, each under the rule it names (user.sha256 in the API). A 64-hex value in
  // `email` counts as email_lower, one in `phone` as phone_e164 (see docs/api.md).
  struct PreHashed {
    std::vector<std::string> email_lower, email_gmail, email_no_dots_tag, phone_e164, phone_digits;
  } sha256;
};

// Personal data after identity::hash_user. Every field named *_sha256 or inside a *_sha256 vector is
// a lowercase-hex SHA-256 of the value normalized by the rule its name and comment give; empty = not provided
// (or normalized to nothing). Fields are named by rule, not by platform: each destination declares which it
// reads (destinations/registry.cpp). A value the caller sent already hashed fills only the rule it was made by.
struct HashedUser {
  std::vector<std::string> email_lower_sha256;        // trim + lowercase
  std::vector<std::string> email_gmail_sha256;        // + white space removed; gmail.com/googlemail.com: local dots and +suffix removed
  std::vector<std::string> email_no_dots_tag_sha256;  // + white space and accents removed; any domain: local dots and +tag removed
  std::vector<std::string> phone_digits_sha256;       // E.164 without '+': country code + national number, digits only
  std::vector<std::string> phone_e164_sha256;         // E.164 with '+'
  std::string first_name_sha256, last_name_sha256;    // lowercase, no punctuation, no spaces, UTF-8 kept
  std::string first_name_words_sha256, last_name_words_sha256;  // lowercase, no digits/symbols, single spaces, titles and suffixes removed
  std::string city_sha256, state_sha256, zip_sha256, country_sha256;  // compact city, US state code, zip (US: 5 digits), alpha-2
  std::string gender_sha256;                          // "f" or "m"
  std::string date_of_birth_sha256;                   // YYYYMMDD
  std::string external_id_sha256;                     // trim + lowercase
  // Normalized but not hashed: platforms that take the address in the clear. Not names, email or phone.
  std::string city, region, postal_code, country;     // lowercase city/region, postal code without spaces, ISO alpha-2 lowercase
  std::string external_id;                            // as sent (trimmed)
};

enum class Consent { unspecified, granted, denied };

struct Content {
  std::string id;
  std::optional<double> quantity;
  std::optional<double> price;
  std::string name;
  std::string category;
};

// Click and browser identifiers, sent raw.
struct Ids {
  std::string fbc, fbp, fbclid;
  std::string gclid, gbraid, wbraid;
  std::string msclkid, ttclid, ttp;
  std::string ga_client_id;   // normalized "<a>.<b>" (from "GA1.1.<a>.<b>" or bare)
  std::string ga_session_id;
};

// Per-event instructions for one destination (docs/api.md `destinations`, and the legacy body).
struct DestinationOverride {
  bool enabled = true;            // false: skipped with reason "disabled_for_event"
  std::string event_name;         // platform event name (google_ads: conversion action) for this event
  std::string test_event_code;    // Meta / TikTok test code for this event
  std::string target_id;          // Meta pixel id / GA4 measurement id from a legacy body (already checked against the allow-list)
  std::string skip_reason;        // set by intake when the event cannot go to this destination (e.g. "not_mapped")
};

// A canonical event as stored in the spool and handed to destinations.
struct Event {
  std::string event_id;           // 1..256 chars, dedup key
  std::string event_name;         // canonical name
  int64_t event_time = 0;         // Unix seconds
  int64_t received_at_ms = 0;     // Unix milliseconds, when fanout accepted it
  std::string action_source = "website";
  std::string event_source_url, referrer_url;
  HashedUser user;
  std::string ip, user_agent;     // raw: platforms require them raw
  Ids ids;
  std::optional<double> value;
  std::string currency;           // ISO 4217 upper case
  std::string order_id;
  std::vector<Content> contents;
  Consent ad_user_data = Consent::unspecified;
  Consent ad_personalization = Consent::unspecified;
  Consent analytics_storage = Consent::unspecified;
  std::string properties_json;    // the `properties` object as compact JSON text, "" when absent
  std::string ga4_user_id;        // GA4 user_id (legacy userId); "" = none
  std::map<std::string, DestinationOverride> destinations;  // key: a registered destination's name ("meta", ...)
};

}  // namespace fanout
