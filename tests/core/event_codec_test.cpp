#include "core/event_codec.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace fanout {
namespace {

// An event with every field set to a distinct value, so a swapped or dropped field is caught.
Event full_event() {
  Event e;
  e.event_id = "ev-1";
  e.event_name = "purchase";
  e.event_time = 1700000000;
  e.received_at_ms = 1700000000123;
  e.action_source = "app";
  e.event_source_url = "https://shop.example/checkout";
  e.referrer_url = "https://ref.example/";
  auto& u = e.user;
  u.email_lower_sha256 = {"e1", "e2"};
  u.email_gmail_sha256 = {"eg"};
  u.email_no_dots_tag_sha256 = {"emc"};
  u.phone_digits_sha256 = {"pd"};
  u.phone_e164_sha256 = {"pe1", "pe2"};
  u.first_name_sha256 = "fn";
  u.last_name_sha256 = "ln";
  u.first_name_words_sha256 = "fng";
  u.last_name_words_sha256 = "lng";
  u.city_sha256 = "cs";
  u.state_sha256 = "ss";
  u.zip_sha256 = "zs";
  u.country_sha256 = "cos";
  u.gender_sha256 = "gs";
  u.date_of_birth_sha256 = "ds";
  u.external_id_sha256 = "xs";
  u.city = "paris";
  u.region = "idf";
  u.postal_code = "75001";
  u.country = "fr";
  u.external_id = "crm-42";
  e.ip = "203.0.113.7";
  e.user_agent = "Mozilla/5.0";
  e.ids = Ids{"fb.1.1.abc", "fb.1.1.def", "fbclid1", "gclid1",  "gbraid1", "wbraid1",
              "msclkid1",   "ttclid1",    "ttp1",    "123.456", "789"};
  e.value = 12.5;
  e.currency = "EUR";
  e.order_id = "order-9";
  e.contents = {Content{"sku1", 2.0, 5.5, "Shoe", "Shoes"}, Content{"sku2", std::nullopt, std::nullopt, "", ""}};
  e.ad_user_data = Consent::granted;
  e.ad_personalization = Consent::denied;
  e.analytics_storage = Consent::unspecified;
  e.properties_json = R"({"coupon":"X1","nested":{"a":[1,2.5,"z"]},"flag":true})";
  e.ga4_user_id = "ga4-user";
  e.destinations["meta"] = DestinationOverride{false, "Purchase", "TEST1", "pixel-1", "not_mapped"};
  e.destinations["ga4"] = DestinationOverride{};
  return e;
}

void expect_equal(const Event& a, const Event& b) {
  EXPECT_EQ(a.event_id, b.event_id);
  EXPECT_EQ(a.event_name, b.event_name);
  EXPECT_EQ(a.event_time, b.event_time);
  EXPECT_EQ(a.received_at_ms, b.received_at_ms);
  EXPECT_EQ(a.action_source, b.action_source);
  EXPECT_EQ(a.event_source_url, b.event_source_url);
  EXPECT_EQ(a.referrer_url, b.referrer_url);
  EXPECT_EQ(a.user.email_lower_sha256, b.user.email_lower_sha256);
  EXPECT_EQ(a.user.email_gmail_sha256, b.user.email_gmail_sha256);
  EXPECT_EQ(a.user.email_no_dots_tag_sha256, b.user.email_no_dots_tag_sha256);
  EXPECT_EQ(a.user.phone_digits_sha256, b.user.phone_digits_sha256);
  EXPECT_EQ(a.user.phone_e164_sha256, b.user.phone_e164_sha256);
  EXPECT_EQ(a.user.first_name_sha256, b.user.first_name_sha256);
  EXPECT_EQ(a.user.last_name_sha256, b.user.last_name_sha256);
  EXPECT_EQ(a.user.first_name_words_sha256, b.user.first_name_words_sha256);
  EXPECT_EQ(a.user.last_name_words_sha256, b.user.last_name_words_sha256);
  EXPECT_EQ(a.user.city_sha256, b.user.city_sha256);
  EXPECT_EQ(a.user.state_sha256, b.user.state_sha256);
  EXPECT_EQ(a.user.zip_sha256, b.user.zip_sha256);
  EXPECT_EQ(a.user.country_sha256, b.user.country_sha256);
  EXPECT_EQ(a.user.gender_sha256, b.user.gender_sha256);
  EXPECT_EQ(a.user.date_of_birth_sha256, b.user.date_of_birth_sha256);
  EXPECT_EQ(a.user.external_id_sha256, b.user.external_id_sha256);
  EXPECT_EQ(a.user.city, b.user.city);
  EXPECT_EQ(a.user.region, b.user.region);
  EXPECT_EQ(a.user.postal_code, b.user.postal_code);
  EXPECT_EQ(a.user.country, b.user.country);
  EXPECT_EQ(a.user.external_id, b.user.external_id);
  EXPECT_EQ(a.ip, b.ip);
  EXPECT_EQ(a.user_agent, b.user_agent);
  EXPECT_EQ(a.ids.fbc, b.ids.fbc);
  EXPECT_EQ(a.ids.fbp, b.ids.fbp);
  EXPECT_EQ(a.ids.fbclid, b.ids.fbclid);
  EXPECT_EQ(a.ids.gclid, b.ids.gclid);
  EXPECT_EQ(a.ids.gbraid, b.ids.gbraid);
  EXPECT_EQ(a.ids.wbraid, b.ids.wbraid);
  EXPECT_EQ(a.ids.msclkid, b.ids.msclkid);
  EXPECT_EQ(a.ids.ttclid, b.ids.ttclid);
  EXPECT_EQ(a.ids.ttp, b.ids.ttp);
  EXPECT_EQ(a.ids.ga_client_id, b.ids.ga_client_id);
  EXPECT_EQ(a.ids.ga_session_id, b.ids.ga_session_id);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.currency, b.currency);
  EXPECT_EQ(a.order_id, b.order_id);
  ASSERT_EQ(a.contents.size(), b.contents.size());
  for (size_t i = 0; i < a.contents.size(); ++i) {
    EXPECT_EQ(a.contents[i].id, b.contents[i].id);
    EXPECT_EQ(a.contents[i].quantity, b.contents[i].quantity);
    EXPECT_EQ(a.contents[i].price, b.contents[i].price);
    EXPECT_EQ(a.contents[i].name, b.contents[i].name);
    EXPECT_EQ(a.contents[i].category, b.contents[i].category);
  }
  EXPECT_EQ(a.ad_user_data, b.ad_user_data);
  EXPECT_EQ(a.ad_personalization, b.ad_personalization);
  EXPECT_EQ(a.analytics_storage, b.analytics_storage);
  EXPECT_EQ(a.properties_json, b.properties_json);
  EXPECT_EQ(a.ga4_user_id, b.ga4_user_id);
  ASSERT_EQ(a.destinations.size(), b.destinations.size());
  for (const auto& [name, o] : a.destinations) {
    auto it = b.destinations.find(name);
    ASSERT_NE(it, b.destinations.end()) << name;
    EXPECT_EQ(o.enabled, it->second.enabled);
    EXPECT_EQ(o.event_name, it->second.event_name);
    EXPECT_EQ(o.test_event_code, it->second.test_event_code);
    EXPECT_EQ(o.target_id, it->second.target_id);
    EXPECT_EQ(o.skip_reason, it->second.skip_reason);
  }
}

TEST(EventCodec, RoundTripsEveryField) {
  const Event e = full_event();
  auto decoded = decode_event(encode_event(e));
  ASSERT_TRUE(decoded) << decoded.error().message;
  expect_equal(e, *decoded);
  // Stable: encoding the decoded event gives the same bytes.
  EXPECT_EQ(encode_event(*decoded), encode_event(e));
}

TEST(EventCodec, RoundTripsDefaultEvent) {
  const Event e;
  auto decoded = decode_event(encode_event(e));
  ASSERT_TRUE(decoded) << decoded.error().message;
  expect_equal(e, *decoded);
}

TEST(EventCodec, UsesCppFieldNamesAndEmbedsProperties) {
  const std::string json = encode_event(full_event());
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["event_id"].GetString(), "ev-1");
  EXPECT_EQ(doc["event_time"].GetInt64(), 1700000000);
  EXPECT_EQ(doc["received_at_ms"].GetInt64(), 1700000000123);
  EXPECT_EQ(doc["user"]["email_lower_sha256"].Size(), 2u);
  EXPECT_STREQ(doc["user"]["external_id"].GetString(), "crm-42");
  EXPECT_STREQ(doc["ids"]["ga_client_id"].GetString(), "123.456");
  EXPECT_DOUBLE_EQ(doc["value"].GetDouble(), 12.5);
  EXPECT_DOUBLE_EQ(doc["contents"][0]["quantity"].GetDouble(), 2.0);
  EXPECT_FALSE(doc["contents"][1].HasMember("quantity"));
  EXPECT_FALSE(doc["contents"][1].HasMember("name"));
  EXPECT_STREQ(doc["consent"]["ad_user_data"].GetString(), "granted");
  EXPECT_STREQ(doc["consent"]["ad_personalization"].GetString(), "denied");
  EXPECT_FALSE(doc["consent"].HasMember("analytics_storage"));
  ASSERT_TRUE(doc["properties"].IsObject());  // an object, not a string
  EXPECT_STREQ(doc["properties"]["coupon"].GetString(), "X1");
  EXPECT_FALSE(doc["destinations"]["meta"]["enabled"].GetBool());
  EXPECT_STREQ(doc["destinations"]["meta"]["skip_reason"].GetString(), "not_mapped");
}

TEST(EventCodec, OmitsEmptyValues) {
  Event e;
  e.event_id = "x";
  const std::string json = encode_event(e);
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_TRUE(doc.IsObject());
  for (const char* key : {"event_name", "user", "ids", "value", "currency", "contents", "consent", "properties",
                          "ga4_user_id", "destinations", "ip", "event_source_url"}) {
    EXPECT_FALSE(doc.HasMember(key)) << key;
  }
}

TEST(EventCodec, DecodesMissingKeysAsDefaults) {
  auto decoded = decode_event(R"({"event_id":"a"})");
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->event_id, "a");
  EXPECT_EQ(decoded->action_source, "website");
  EXPECT_FALSE(decoded->value.has_value());
  EXPECT_EQ(decoded->ad_user_data, Consent::unspecified);
  EXPECT_TRUE(decoded->destinations.empty());
}

TEST(EventCodec, RejectsUnknownKeysAtEveryLevel) {
  for (const char* bad : {R"({"event_id":"a","surprise":1})", R"({"user":{"email":["raw"]}})", R"({"ids":{"fbx":"1"}})",
                          R"({"contents":[{"sku":"1"}]})", R"({"consent":{"marketing":"granted"}})",
                          R"({"destinations":{"meta":{"pixel":"1"}}})"}) {
    auto decoded = decode_event(bad);
    ASSERT_FALSE(decoded) << bad;
    EXPECT_EQ(decoded.error().code, "invalid_payload");
    EXPECT_NE(decoded.error().field, "") << bad;
  }
}

TEST(EventCodec, ErrorsNameTheFieldByItsFullPath) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"event_time":"x"})", "event_time"},
      {R"({"user":{"email_lower_sha256":"abc"}})", "user.email_lower_sha256"},
      {R"({"user":{"email":["raw"]}})", "user.email"},
      {R"({"ids":{"gclid":1}})", "ids.gclid"},
      {R"({"contents":[{"id":"a"},{"price":"1"}]})", "contents[1].price"},
      {R"({"contents":[{"id":"a"},7]})", "contents[1]"},
      {R"({"consent":{"ad_user_data":"yes"}})", "consent.ad_user_data"},
      {R"({"destinations":{"meta":{"enabled":1}}})", "destinations.meta.enabled"},
      {R"({"destinations":{"meta":3}})", "destinations.meta"},
  };
  for (const auto& [payload, field] : cases) {
    auto decoded = decode_event(payload);
    ASSERT_FALSE(decoded) << payload;
    EXPECT_EQ(decoded.error().field, field) << payload;
    EXPECT_NE(decoded.error().message.find(field), std::string::npos) << decoded.error().message;
  }
}

TEST(EventCodec, RejectsANulByteEvenAfterACompleteObject) {
  using namespace std::string_literals;
  EXPECT_FALSE(decode_event("{\"event_id\":\"a\"}\0{}"s));
  EXPECT_FALSE(decode_event("{\"event_id\":\"a\0b\"}"s));
}

TEST(EventCodec, RejectsWrongTypes) {
  for (const char* bad :
       {R"({"event_id":1})", R"({"event_time":"1700000000"})", R"({"event_time":1.5})", R"({"value":"12"})",
        R"({"user":{"email_lower_sha256":"abc"}})", R"({"contents":{}})", R"({"consent":{"ad_user_data":"yes"}})",
        R"({"properties":"{}"})", R"({"destinations":{"meta":{"enabled":"no"}}})", R"([1,2])", R"({"event_id":)"}) {
    EXPECT_FALSE(decode_event(bad)) << bad;
  }
}

TEST(EventCodec, PreservesNonAsciiAndEscapes) {
  Event e;
  e.event_id = "id-\"quoted\"\\ \xC3\xA9\xE2\x82\xAC";
  e.properties_json = R"({"note":"line\nbreak \u00e9"})";
  auto decoded = decode_event(encode_event(e));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->event_id, e.event_id);
  rapidjson::Document doc;
  doc.Parse(decoded->properties_json.c_str());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["note"].GetString(), "line\nbreak \xC3\xA9");
}

}  // namespace
}  // namespace fanout
