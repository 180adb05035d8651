#include "ingest/event_parser.h"

#include <gtest/gtest.h>

#include "core/event_codec.h"
#include "core/sha256.h"
#include "parse_support.h"

namespace fanout::ingest {
namespace {

using testing::kNow;
using testing::parse;
using testing::Parsed;

Event parse_one(const std::string& body) {
  Parsed p = parse(body);
  EXPECT_TRUE(p.result.has_value()) << (p.result ? "" : p.result.error().message);
  if (!p.result || p.result->events.size() != 1) return {};
  EXPECT_FALSE(p.result->batch);
  return p.result->events.front();
}

// An event made of the required fields plus `extra` (a JSON fragment of more members, without braces).
std::string event_with(const std::string& extra) {
  std::string body = R"({"event_id":"e1","event_name":"purchase")";
  if (!extra.empty()) body += "," + extra;
  return body + "}";
}

bool has_error(const std::vector<FieldError>& errors, const std::string& field) {
  for (const auto& e : errors)
    if (e.field == field) return true;
  return false;
}

std::string fields_of(const std::vector<FieldError>& errors) {
  std::string s;
  for (const auto& e : errors) s += e.field + ": " + e.message + "; ";
  return s;
}

// Expects `body` to be rejected as invalid_event with an error naming `field`.
void expect_invalid(const std::string& body, const std::string& field) {
  Parsed p = parse(body);
  ASSERT_FALSE(p.result.has_value()) << body;
  EXPECT_EQ(p.result.error().code, "invalid_event") << body;
  EXPECT_TRUE(has_error(p.errors, field)) << body << " -> " << fields_of(p.errors);
}

TEST(EventParser, MinimalEventTakesTheDefaults) {
  Event e = parse_one(event_with(""));
  EXPECT_EQ(e.event_id, "e1");
  EXPECT_EQ(e.event_name, "purchase");
  EXPECT_EQ(e.event_time, kNow);
  EXPECT_EQ(e.action_source, "website");
  EXPECT_FALSE(e.value.has_value());
  EXPECT_TRUE(e.destinations.empty());
  EXPECT_TRUE(e.properties_json.empty());
}

TEST(EventParser, FullEventMapsEveryField) {
  Event e = parse_one(R"({
    "event_id": "ord-1", "event_name": "purchase", "event_time": 1767225000, "action_source": "crm",
    "event_source_url": "https://shop.example.com/thanks", "referrer_url": "http://ref.example.org/",
    "user": {"email": "John.Doe@Example.com", "phone": ["+1 650 555 1212"], "first_name": "John",
             "last_name": "Doe", "city": "New York", "state": "NY", "zip": "10001", "country": "us",
             "gender": "m", "date_of_birth": "1990-02-16", "external_id": "cust-42",
             "ip": "203.0.113.9", "user_agent": "Mozilla/5.0"},
    "ids": {"fbc": "fb.1.1.abc", "fbp": "fb.1.2.def", "fbclid": "IwAR", "gclid": "Cj0", "gbraid": "gb",
            "wbraid": "wb", "msclkid": "ms", "ttclid": "tt", "ttp": "ttp1",
            "ga_client_id": "GA1.1.1197596843.1673515099", "ga_session_id": "1767225000"},
    "value": 125.5, "currency": "usd", "order_id": "A-1",
    "contents": [{"id": "SKU1", "quantity": 2, "price": 50, "name": "Shoe", "category": "shoes"}, {"id": 77}],
    "consent": {"ad_user_data": "granted", "ad_personalization": "denied"},
    "properties": {"coupon": "X", "tier": {"level": 2}},
    "destinations": {"meta": false, "ga4": {"event_name": "purchase_ga", "test_event_code": "T1"}, "tiktok": true}
  })");
  EXPECT_EQ(e.event_id, "ord-1");
  EXPECT_EQ(e.event_time, 1767225000);
  EXPECT_EQ(e.action_source, "crm");
  EXPECT_EQ(e.event_source_url, "https://shop.example.com/thanks");
  EXPECT_EQ(e.referrer_url, "http://ref.example.org/");
  ASSERT_EQ(e.user.email_lower_sha256.size(), 1u);
  EXPECT_EQ(e.user.email_lower_sha256[0], sha256_hex("john.doe@example.com"));
  ASSERT_EQ(e.user.phone_e164_sha256.size(), 1u);
  EXPECT_EQ(e.user.phone_e164_sha256[0], sha256_hex("+16505551212"));
  EXPECT_EQ(e.user.first_name_sha256, sha256_hex("john"));
  EXPECT_EQ(e.user.country_sha256, sha256_hex("us"));
  EXPECT_EQ(e.user.external_id, "cust-42");
  EXPECT_EQ(e.ip, "203.0.113.9");
  EXPECT_EQ(e.user_agent, "Mozilla/5.0");
  EXPECT_EQ(e.ids.fbc, "fb.1.1.abc");
  EXPECT_EQ(e.ids.fbp, "fb.1.2.def");
  EXPECT_EQ(e.ids.fbclid, "IwAR");
  EXPECT_EQ(e.ids.gclid, "Cj0");
  EXPECT_EQ(e.ids.gbraid, "gb");
  EXPECT_EQ(e.ids.wbraid, "wb");
  EXPECT_EQ(e.ids.msclkid, "ms");
  EXPECT_EQ(e.ids.ttclid, "tt");
  EXPECT_EQ(e.ids.ttp, "ttp1");
  EXPECT_EQ(e.ids.ga_client_id, "1197596843.1673515099");
  EXPECT_EQ(e.ids.ga_session_id, "1767225000");
  ASSERT_TRUE(e.value.has_value());
  EXPECT_DOUBLE_EQ(*e.value, 125.5);
  EXPECT_EQ(e.currency, "USD");
  EXPECT_EQ(e.order_id, "A-1");
  ASSERT_EQ(e.contents.size(), 2u);
  EXPECT_EQ(e.contents[0].id, "SKU1");
  EXPECT_EQ(e.contents[0].quantity, 2.0);
  EXPECT_EQ(e.contents[0].price, 50.0);
  EXPECT_EQ(e.contents[0].name, "Shoe");
  EXPECT_EQ(e.contents[0].category, "shoes");
  EXPECT_EQ(e.contents[1].id, "77");
  EXPECT_FALSE(e.contents[1].quantity.has_value());
  EXPECT_EQ(e.ad_user_data, Consent::granted);
  EXPECT_EQ(e.ad_personalization, Consent::denied);
  EXPECT_EQ(e.analytics_storage, Consent::unspecified);
  EXPECT_EQ(e.properties_json, R"({"coupon":"X","tier":{"level":2}})");
  ASSERT_EQ(e.destinations.size(), 3u);
  EXPECT_FALSE(e.destinations["meta"].enabled);
  EXPECT_TRUE(e.destinations["ga4"].enabled);
  EXPECT_EQ(e.destinations["ga4"].event_name, "purchase_ga");
  EXPECT_EQ(e.destinations["ga4"].test_event_code, "T1");
  EXPECT_TRUE(e.destinations["tiktok"].enabled);
}

TEST(EventParser, NoRawPersonalDataSurvivesParsing) {
  Event e = parse_one(event_with(
      R"("user":{"email":"Jane.Roe@example.com","phone":"+44 7911 123456","first_name":"Jane","last_name":"Roe"})"));
  std::string stored = encode_event(e);
  EXPECT_EQ(stored.find("Jane"), std::string::npos);
  EXPECT_EQ(stored.find("jane"), std::string::npos);
  EXPECT_EQ(stored.find("Roe"), std::string::npos);
  EXPECT_EQ(stored.find("7911"), std::string::npos);
  EXPECT_NE(stored.find(sha256_hex("jane.roe@example.com")), std::string::npos);
}

TEST(EventParser, NotJsonOrNotAnObjectIsInvalidJson) {
  for (const std::string& body :
       std::vector<std::string>{"", "not json", "[1,2]", "\"event\"", "42", "{\"event_id\":\"e1\"", "{} trailing",
                                std::string("{\"event_id\":\"\xff\xfe\",\"event_name\":\"x\"}")}) {
    Parsed p = parse(body);
    ASSERT_FALSE(p.result.has_value()) << body;
    EXPECT_EQ(p.result.error().code, "invalid_json") << body;
  }
}

TEST(EventParser, DeepNestingIsRejectedWithoutCrashing) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(parse(deep).result.error().code, "invalid_json");
  std::string props = "{";
  for (int i = 0; i < 40; ++i) props += "\"a\":{";
  props += std::string(41, '}');
  expect_invalid(event_with("\"properties\":" + props), "properties");
}

TEST(EventParser, EventIdRules) {
  expect_invalid(R"({"event_name":"purchase"})", "event_id");
  expect_invalid(R"({"event_id":null,"event_name":"purchase"})", "event_id");
  expect_invalid(R"({"event_id":"","event_name":"purchase"})", "event_id");
  expect_invalid(R"({"event_id":42,"event_name":"purchase"})", "event_id");
  expect_invalid(R"({"event_id":")" + std::string(257, 'x') + R"(","event_name":"purchase"})", "event_id");
  EXPECT_EQ(parse_one(R"({"event_id":")" + std::string(256, 'x') + R"(","event_name":"purchase"})").event_id.size(),
            256u);
}

TEST(EventParser, EventNameRules) {
  expect_invalid(R"({"event_id":"e1"})", "event_name");
  expect_invalid(R"({"event_id":"e1","event_name":""})", "event_name");
  expect_invalid(R"({"event_id":"e1","event_name":["purchase"]})", "event_name");
  expect_invalid(R"({"event_id":"e1","event_name":")" + std::string(129, 'n') + "\"}", "event_name");
}

TEST(EventParser, EventTimeAsUnixSecondsOrRfc3339) {
  EXPECT_EQ(parse_one(event_with(R"("event_time":1767225000)")).event_time, 1767225000);
  EXPECT_EQ(parse_one(event_with(R"("event_time":"2025-12-31T23:50:00Z")")).event_time, 1767225000);
  EXPECT_EQ(parse_one(event_with(R"("event_time":"2026-01-01T00:50:00+01:00")")).event_time, 1767225000);
  EXPECT_EQ(parse_one(event_with(R"("event_time":null)")).event_time, kNow);
  // Up to five minutes ahead is clock skew, not an error.
  EXPECT_EQ(parse_one(event_with("\"event_time\":" + std::to_string(kNow + 299))).event_time, kNow + 299);
}

TEST(EventParser, EventTimeRules) {
  expect_invalid(event_with("\"event_time\":" + std::to_string(kNow + 301)), "event_time");
  expect_invalid(event_with("\"event_time\":" + std::to_string(kNow * 1000)), "event_time");  // milliseconds
  expect_invalid(event_with(R"("event_time":946684799)"), "event_time");                      // before 2000
  expect_invalid(event_with(R"("event_time":1767225000.5)"), "event_time");
  expect_invalid(event_with(R"("event_time":"1767225000")"), "event_time");
  expect_invalid(event_with(R"("event_time":"yesterday")"), "event_time");
  expect_invalid(event_with(R"("event_time":true)"), "event_time");
  expect_invalid(event_with(R"("event_time":"2026-01-01T01:00:00Z")"), "event_time");
}

TEST(EventParser, ActionSourceRules) {
  EXPECT_EQ(parse_one(event_with(R"("action_source":"physical_store")")).action_source, "physical_store");
  EXPECT_EQ(parse_one(event_with(R"("action_source":null)")).action_source, "website");
  expect_invalid(event_with(R"("action_source":"web")"), "action_source");
  expect_invalid(event_with(R"("action_source":1)"), "action_source");
}

TEST(EventParser, UrlRules) {
  expect_invalid(event_with(R"("event_source_url":"shop.example.com/thanks")"), "event_source_url");
  expect_invalid(event_with(R"("event_source_url":42)"), "event_source_url");
  expect_invalid(event_with(R"x("referrer_url":"javascript:alert(1)")x"), "referrer_url");
  EXPECT_EQ(parse_one(event_with(R"("event_source_url":"")")).event_source_url, "");
}

TEST(EventParser, EmailAndPhoneAreStringsOrArrays) {
  Event e = parse_one(event_with(R"("user":{"email":["a@example.com","b@example.com"],"phone":"+16505551212"})"));
  EXPECT_EQ(e.user.email_lower_sha256.size(), 2u);
  EXPECT_EQ(e.user.phone_e164_sha256.size(), 1u);
  expect_invalid(event_with(R"("user":{"email":42})"), "user.email");
  expect_invalid(event_with(R"("user":{"email":{"a":"b"}})"), "user.email");
  expect_invalid(event_with(R"("user":{"email":["a@example.com",7]})"), "user.email[1]");
  expect_invalid(event_with(R"("user":{"phone":[true]})"), "user.phone[0]");
  std::string many = "[";
  for (int i = 0; i < 11; ++i) many += std::string(i ? "," : "") + "\"u" + std::to_string(i) + "@example.com\"";
  expect_invalid(event_with("\"user\":{\"email\":" + many + "]}"), "user.email");
}

TEST(EventParser, OtherUserFieldsMustBeStrings) {
  for (const char* field :
       {"first_name", "last_name", "city", "state", "zip", "gender", "date_of_birth", "external_id", "user_agent"}) {
    expect_invalid(event_with(std::string("\"user\":{\"") + field + "\":12}"), std::string("user.") + field);
  }
  expect_invalid(event_with(R"("user":"someone@example.com")"), "user");
}

TEST(EventParser, UserCountryIsAlpha2OrAKnownName) {
  EXPECT_EQ(parse_one(event_with(R"("user":{"country":"United Kingdom"})")).user.country_sha256, sha256_hex("gb"));
  EXPECT_EQ(parse_one(event_with(R"("user":{"country":"DE"})")).user.country, "de");
  expect_invalid(event_with(R"("user":{"country":"Narnia"})"), "user.country");
  expect_invalid(event_with(R"("user":{"country":"ZZ"})"), "user.country");
}

TEST(EventParser, UserIpMustBeAnAddress) {
  EXPECT_EQ(parse_one(event_with(R"("user":{"ip":"2001:db8::1"})")).ip, "2001:db8::1");
  expect_invalid(event_with(R"("user":{"ip":"not-an-ip"})"), "user.ip");
}

TEST(EventParser, UnknownFieldsAreNamed) {
  Parsed p = parse(event_with(R"("user":{"emial":"a@example.com"})"));
  ASSERT_FALSE(p.result.has_value());
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].field, "user.emial");
  EXPECT_EQ(p.errors[0].message, "unknown field");
  EXPECT_EQ(p.result.error().message, "user.emial: unknown field");
  expect_invalid(event_with(R"("evnt_time":1767225000)"), "evnt_time");
  expect_invalid(event_with(R"("ids":{"gclid2":"x"})"), "ids.gclid2");
  expect_invalid(event_with(R"("consent":{"marketing":"granted"})"), "consent.marketing");
}

TEST(EventParser, UnknownFieldNamesAreBoundedInAnswers) {
  Parsed p = parse(event_with("\"" + std::string(500, 'k') + "\":1"));
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_LT(p.errors[0].field.size(), 80u);
}

TEST(EventParser, DuplicateMembersAreRejected) {
  expect_invalid(R"({"event_id":"e1","event_id":"e2","event_name":"x"})", "event_id");
  expect_invalid(event_with(R"("user":{"email":"a@example.com","email":"b@example.com"})"), "user.email");
}

TEST(EventParser, IdsMustBeStrings) {
  for (const char* field : {"fbc", "fbp", "fbclid", "gclid", "gbraid", "wbraid", "msclkid", "ttclid", "ttp",
                            "ga_client_id", "ga_session_id"})
    expect_invalid(event_with(std::string("\"ids\":{\"") + field + "\":123}"), std::string("ids.") + field);
  expect_invalid(event_with(R"("ids":["gclid"])"), "ids");
  EXPECT_EQ(parse_one(event_with(R"("ids":{"ga_client_id":"1197596843.1673515099"})")).ids.ga_client_id,
            "1197596843.1673515099");
}

TEST(EventParser, ConsentIsGrantedOrDenied) {
  Event e = parse_one(event_with(R"("consent":{"ad_user_data":"denied","analytics_storage":"granted"})"));
  EXPECT_EQ(e.ad_user_data, Consent::denied);
  EXPECT_EQ(e.ad_personalization, Consent::unspecified);
  EXPECT_EQ(e.analytics_storage, Consent::granted);
  expect_invalid(event_with(R"("consent":{"ad_user_data":"yes"})"), "consent.ad_user_data");
  expect_invalid(event_with(R"("consent":{"ad_personalization":true})"), "consent.ad_personalization");
  expect_invalid(event_with(R"("consent":{"analytics_storage":"GRANTED"})"), "consent.analytics_storage");
  expect_invalid(event_with(R"("consent":"granted")"), "consent");
}

TEST(EventParser, ValueCurrencyOrderId) {
  Event e = parse_one(event_with(R"("value":0,"currency":"eur","order_id":"o-9")"));
  EXPECT_EQ(e.value, 0.0);
  EXPECT_EQ(e.currency, "EUR");
  EXPECT_EQ(e.order_id, "o-9");
  expect_invalid(event_with(R"("value":-1)"), "value");
  expect_invalid(event_with(R"("value":"12.50")"), "value");
  expect_invalid(event_with(R"("currency":"dollars")"), "currency");
  expect_invalid(event_with(R"("currency":"U$D")"), "currency");
  expect_invalid(event_with(R"("currency":840)"), "currency");
  expect_invalid(event_with(R"("order_id":12345)"), "order_id");
}

TEST(EventParser, ContentsRules) {
  expect_invalid(event_with(R"("contents":{"id":"x"})"), "contents");
  expect_invalid(event_with(R"("contents":["SKU1"])"), "contents[0]");
  expect_invalid(event_with(R"("contents":[{"id":"a"},{"id":true}])"), "contents[1].id");
  expect_invalid(event_with(R"("contents":[{"quantity":"2"}])"), "contents[0].quantity");
  expect_invalid(event_with(R"("contents":[{"price":-3}])"), "contents[0].price");
  expect_invalid(event_with(R"("contents":[{"name":5}])"), "contents[0].name");
  expect_invalid(event_with(R"("contents":[{"category":[]}])"), "contents[0].category");
  EXPECT_EQ(parse_one(event_with(R"("contents":[{"id":12.5}])")).contents[0].id, "12.5");
}

TEST(EventParser, PropertiesMustBeABoundedObject) {
  expect_invalid(event_with(R"("properties":[1,2])"), "properties");
  expect_invalid(event_with(R"("properties":"coupon=X")"), "properties");
  expect_invalid(event_with("\"properties\":{\"big\":\"" + std::string(70000, 'p') + "\"}"), "properties");
  EXPECT_EQ(parse_one(event_with(R"("properties":{})")).properties_json, "");
  EXPECT_EQ(parse_one(event_with(R"("properties":{"a" : [1, true, null]})")).properties_json, R"({"a":[1,true,null]})");
}

TEST(EventParser, DestinationsRules) {
  expect_invalid(event_with(R"("destinations":{"facebook":false})"), "destinations.facebook");
  expect_invalid(event_with(R"("destinations":{"meta":"off"})"), "destinations.meta");
  expect_invalid(event_with(R"("destinations":{"meta":{"pixel_id":"1"}})"), "destinations.meta.pixel_id");
  expect_invalid(event_with(R"("destinations":{"meta":{"event_name":3}})"), "destinations.meta.event_name");
  expect_invalid(event_with(R"("destinations":["meta"])"), "destinations");
  Event e = parse_one(event_with(R"("destinations":{"google_ads":{"event_name":"customers/1/conversionActions/2"}})"));
  EXPECT_EQ(e.destinations["google_ads"].event_name, "customers/1/conversionActions/2");
}

TEST(EventParser, NullAndEmptyOptionalFieldsAreAbsent) {
  Event e = parse_one(
      event_with(R"("user":{"email":null,"phone":"","country":""},"ids":null,"consent":{"ad_user_data":null},)"
                 R"("value":null,"currency":"","contents":null,"properties":null,"destinations":null)"));
  EXPECT_TRUE(e.user.email_lower_sha256.empty());
  EXPECT_TRUE(e.user.country.empty());
  EXPECT_EQ(e.ad_user_data, Consent::unspecified);
  EXPECT_FALSE(e.value.has_value());
}

TEST(EventParser, EveryErrorIsListed) {
  Parsed p = parse(R"({"event_name":"","value":-2,"user":{"emial":"x"},"consent":{"ad_user_data":"maybe"}})");
  ASSERT_FALSE(p.result.has_value());
  EXPECT_TRUE(has_error(p.errors, "event_id"));
  EXPECT_TRUE(has_error(p.errors, "event_name"));
  EXPECT_TRUE(has_error(p.errors, "value"));
  EXPECT_TRUE(has_error(p.errors, "user.emial"));
  EXPECT_TRUE(has_error(p.errors, "consent.ad_user_data"));
  EXPECT_NE(p.result.error().message.find("(and 4 more)"), std::string::npos);
}

TEST(EventParser, ErrorMessagesNeverEchoPersonalData) {
  Parsed p = parse(event_with(R"("user":{"email":["secret.person@example.com",5],"country":"Secretland"})"));
  ASSERT_FALSE(p.result.has_value());
  ASSERT_FALSE(p.errors.empty());  // else the loop below checks nothing
  EXPECT_EQ(p.result.error().message.find("secret"), std::string::npos);
  EXPECT_EQ(p.result.error().message.find("Secretland"), std::string::npos);
  for (const auto& e : p.errors) {
    EXPECT_EQ(e.message.find("secret"), std::string::npos);
    EXPECT_EQ(e.message.find("Secretland"), std::string::npos);
  }
}

TEST(EventParser, ControlCharactersInStringsAreRejected) {
  expect_invalid(R"({"event_id":"e\u0001","event_name":"x"})", "event_id");
}

TEST(EventParser, WallClockIsUsedWhenNowIsZero) {
  ParseOptions options;  // now_s = 0
  std::vector<FieldError> errors;
  auto parsed = parse_body(event_with(""), options, errors);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_GT(parsed->events[0].event_time, kNow);
}

}  // namespace
}  // namespace fanout::ingest

namespace fanout::ingest {
namespace {

// The example of docs/api.md, verbatim: empty strings ("state", "fbc") are accepted as absent.
TEST(EventParser, DocumentedExampleIsAccepted) {
  Event e = parse_one(R"({
  "event_id": "ord-1001",
  "event_name": "purchase",
  "event_time": 1763900000,
  "action_source": "website",
  "event_source_url": "https://shop.example.com/checkout/done",
  "referrer_url": "https://shop.example.com/cart",
  "user": {
    "email": "jane.doe@example.com",
    "phone": ["+44 7911 123456", "020 7946 0958"],
    "first_name": "Jane", "last_name": "Doe",
    "city": "London", "state": "", "zip": "SW1A 1AA", "country": "GB",
    "gender": "f", "date_of_birth": "1990-04-12",
    "external_id": "crm-42",
    "ip": "203.0.113.7", "user_agent": "Mozilla/5.0 ..."
  },
  "ids": {
    "fbc": "", "fbp": "fb.1.1700000000000.123", "fbclid": "IwAR...",
    "gclid": "Cj0KCQ...", "gbraid": "", "wbraid": "",
    "msclkid": "4a5b6c7d-...", "ttclid": "E.C.P....", "ttp": "...",
    "ga_client_id": "GA1.1.1197596843.1673515099", "ga_session_id": "1763899000"
  },
  "value": 125.5, "currency": "GBP", "order_id": "ORD-1001",
  "contents": [{"id": "SKU-1", "quantity": 2, "price": 62.75, "name": "Trail shoe", "category": "shoes"}],
  "consent": {"ad_user_data": "granted", "ad_personalization": "denied", "analytics_storage": "granted"},
  "properties": {"coupon": "WINTER"},
  "destinations": {"tiktok": false, "meta": {"event_name": "Lead", "test_event_code": "TEST123"}}
})");
  EXPECT_EQ(e.event_id, "ord-1001");
  EXPECT_EQ(e.user.phone_e164_sha256.size(), 2u);
  EXPECT_EQ(e.ids.fbc, "");
  EXPECT_EQ(e.ids.ga_client_id, "1197596843.1673515099");
  EXPECT_FALSE(e.destinations["tiktok"].enabled);
  EXPECT_EQ(e.destinations["meta"].test_event_code, "TEST123");
}

}  // namespace
}  // namespace fanout::ingest

namespace fanout::ingest {
namespace {

// Leading and trailing white space of personal data is trimmed (Meta's SDK trims before hashing); a control
// character inside a value stays an error.
TEST(EventParserFidelity, WhiteSpaceAroundPersonalDataIsTrimmed) {
  const Event tabbed = parse_one(event_with(R"("user":{"email":"\tuser@example.com\n","phone":" +16505551212\r\n",
      "first_name":"\u00a0Jane\u00a0","city":"\u2003Paris ","zip":"\t75001","country":" FR "})"));
  const Event clean = parse_one(event_with(
      R"("user":{"email":"user@example.com","phone":"+16505551212","first_name":"Jane","city":"Paris","zip":"75001","country":"FR"})"));
  EXPECT_EQ(tabbed.user.email_lower_sha256, clean.user.email_lower_sha256);
  EXPECT_EQ(tabbed.user.email_lower_sha256.front(), sha256_hex("user@example.com"));
  EXPECT_EQ(tabbed.user.phone_e164_sha256, clean.user.phone_e164_sha256);
  EXPECT_EQ(tabbed.user.first_name_sha256, clean.user.first_name_sha256);
  EXPECT_EQ(tabbed.user.city, clean.user.city);
  EXPECT_EQ(tabbed.user.postal_code, "75001");
  EXPECT_EQ(tabbed.user.country, "fr");
}

TEST(EventParserFidelity, ControlCharactersInsideStayAnError) {
  expect_invalid(event_with(R"("user":{"email":"user\t@example.com"})"), "user.email");
  expect_invalid(event_with(R"("user":{"first_name":"Ja\u0001ne"})"), "user.first_name");
}

// Callers name the rule their hash follows; each platform then gets only hashes made by its own rule.
TEST(EventParserFidelity, PreHashedValuesPerRule) {
  const std::string a(64, 'a'), b(64, 'B');
  const Event e = parse_one(event_with(R"("user":{"sha256":{"email_gmail":")" + a + R"(","phone_digits":[")" + b +
                                       R"("]}})"));
  EXPECT_EQ(e.user.email_gmail_sha256, std::vector<std::string>{a});
  EXPECT_EQ(e.user.phone_digits_sha256, std::vector<std::string>{std::string(64, 'b')});
  EXPECT_TRUE(e.user.email_lower_sha256.empty());
  EXPECT_TRUE(e.user.phone_e164_sha256.empty());
  expect_invalid(event_with(R"("user":{"sha256":{"email_meta":")" + a + R"("}})"), "user.sha256.email_meta");
  expect_invalid(event_with(R"("user":{"sha256":{"email_lower":"jane@example.com"}})"), "user.sha256.email_lower");
  expect_invalid(event_with(R"("user":{"sha256":"x"})"), "user.sha256");
}

}  // namespace
}  // namespace fanout::ingest
