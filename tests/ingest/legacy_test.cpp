#include "ingest/legacy.h"

#include <gtest/gtest.h>

#include "core/event_codec.h"
#include "core/sha256.h"

namespace fanout::ingest {
namespace {

constexpr int64_t kNow = 1767225600;

const std::string kFullBody = R"({"data": {"metaEvent": "PageView", "gaEvent": "page_view",
  "gadsConversionLabel": "ABC123", "eventUrl": "https://example.com/landing", "eventId": "uuid-1",
  "userId": "user-9", "userData": {"email": "John.Doe@Example.com", "phone": "+16505551212", "name": "John Doe"},
  "cookieFbp": "fb.1.1700000000.123", "cookieFbc": "fb.1.1700000000.IwAR", "cookieGclid": "Cj0KCQ"},
 "meta": {"metaPixelId": "111", "metaTestCode": "TEST42", "gaMeasurementId": "G-ALLOWED"}})";

LegacyOptions options() {
  LegacyOptions o;
  o.google_ads_labels = {{"ABC123", "customers/1234567890/conversionActions/555"}};
  o.allowed_pixel_ids = {"111"};
  o.allowed_measurement_ids = {"G-ALLOWED"};
  return o;
}

LegacyRequest request() {
  LegacyRequest r;
  r.client_ip = "203.0.113.9";
  r.user_agent = "Mozilla/5.0 (X11)";
  r.now_s = kNow;
  return r;
}

struct Parsed {
  Result<Event> result;
  std::vector<FieldError> errors;
};

Parsed parse(const std::string& body, const LegacyOptions& opts = options()) {
  Parsed p{Event{}, {}};
  p.result = parse_legacy(body, request(), opts, p.errors);
  return p;
}

Event parse_ok(const std::string& body, const LegacyOptions& opts = options()) {
  Parsed p = parse(body, opts);
  EXPECT_TRUE(p.result.has_value()) << (p.result ? "" : p.result.error().message);
  return p.result ? *p.result : Event{};
}

TEST(Legacy, MapsEveryFieldOfTheWorkerBody) {
  Event e = parse_ok(kFullBody);
  EXPECT_EQ(e.event_id, "uuid-1");
  EXPECT_EQ(e.event_name, "page_view");  // gaEvent first
  EXPECT_EQ(e.destinations["meta"].event_name, "PageView");
  EXPECT_EQ(e.destinations["ga4"].event_name, "page_view");
  EXPECT_EQ(e.destinations["google_ads"].event_name, "customers/1234567890/conversionActions/555");
  EXPECT_EQ(e.destinations["google_ads"].skip_reason, "");
  EXPECT_EQ(e.event_source_url, "https://example.com/landing");
  EXPECT_EQ(e.user.external_id, "user-9");
  EXPECT_EQ(e.user.external_id_sha256, sha256_hex("user-9"));
  EXPECT_EQ(e.ga4_user_id, "user-9");
  EXPECT_EQ(e.ids.fbp, "fb.1.1700000000.123");
  EXPECT_EQ(e.ids.fbc, "fb.1.1700000000.IwAR");
  EXPECT_EQ(e.ids.gclid, "Cj0KCQ");
  EXPECT_EQ(e.destinations["meta"].test_event_code, "TEST42");
  EXPECT_EQ(e.destinations["meta"].target_id, "111");
  EXPECT_EQ(e.destinations["ga4"].target_id, "G-ALLOWED");
  EXPECT_EQ(e.ip, "203.0.113.9");
  EXPECT_EQ(e.user_agent, "Mozilla/5.0 (X11)");
  EXPECT_EQ(e.event_time, kNow);
  EXPECT_EQ(e.action_source, "website");
}

TEST(Legacy, PersonalDataIsHashedAndTheNameSplitOnTheFirstSpace) {
  Event e = parse_ok(kFullBody);
  ASSERT_EQ(e.user.email_lower_sha256.size(), 1u);
  EXPECT_EQ(e.user.email_lower_sha256[0], sha256_hex("john.doe@example.com"));
  ASSERT_EQ(e.user.phone_e164_sha256.size(), 1u);
  EXPECT_EQ(e.user.phone_e164_sha256[0], sha256_hex("+16505551212"));
  EXPECT_EQ(e.user.first_name_sha256, sha256_hex("john"));
  EXPECT_EQ(e.user.last_name_sha256, sha256_hex("doe"));
  std::string stored = encode_event(e);
  EXPECT_EQ(stored.find("John"), std::string::npos);
  EXPECT_EQ(stored.find("Doe"), std::string::npos);
  EXPECT_EQ(stored.find("6505551212"), std::string::npos);
}

TEST(Legacy, NameWithSeveralPartsKeepsTheRestAsLastName) {
  Event e = parse_ok(R"({"data":{"eventId":"e","gaEvent":"x","userData":{"name":"Anna van der Berg"}}})");
  EXPECT_EQ(e.user.first_name_sha256, sha256_hex("anna"));
  EXPECT_EQ(e.user.last_name_sha256, sha256_hex("vanderberg"));  // Meta rule drops the spaces
  Event single = parse_ok(R"({"data":{"eventId":"e","gaEvent":"x","userData":{"name":"Cher"}}})");
  EXPECT_EQ(single.user.first_name_sha256, sha256_hex("cher"));
  EXPECT_EQ(single.user.last_name_sha256, "");
}

TEST(Legacy, MetaEventIsTheNameWhenThereIsNoGaEvent) {
  Event e = parse_ok(R"({"data":{"eventId":"e","metaEvent":"Lead"}})");
  EXPECT_EQ(e.event_name, "Lead");
  EXPECT_EQ(e.destinations["meta"].event_name, "Lead");
  EXPECT_EQ(e.destinations.count("ga4"), 0u);
}

TEST(Legacy, MissingEventIdNamesDataEventId) {
  Parsed p = parse(R"({"data":{"gaEvent":"page_view"}})");
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(p.result.error().code, "invalid_event");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].field, "data.eventId");
  p = parse(R"({"data":{"eventId":"","gaEvent":"page_view"}})");
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(p.errors[0].field, "data.eventId");
}

TEST(Legacy, MissingEventNameOrDataIsInvalid) {
  Parsed p = parse(R"({"data":{"eventId":"e"}})");
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(p.errors[0].field, "data.gaEvent");
  p = parse(R"({"meta":{}})");
  ASSERT_FALSE(p.result.has_value());
  EXPECT_EQ(p.errors[0].field, "data");
  EXPECT_EQ(parse("nope").result.error().code, "invalid_json");
}

TEST(Legacy, UnknownOrAbsentLabelSkipsGoogleAdsAsNotMapped) {
  Event unknown = parse_ok(R"({"data":{"eventId":"e","gaEvent":"x","gadsConversionLabel":"ZZZ"}})");
  EXPECT_EQ(unknown.destinations["google_ads"].skip_reason, "not_mapped");
  EXPECT_EQ(unknown.destinations["google_ads"].event_name, "");
  Event absent = parse_ok(R"({"data":{"eventId":"e","gaEvent":"x"}})");
  EXPECT_EQ(absent.destinations["google_ads"].skip_reason, "not_mapped");
}

TEST(Legacy, PixelAndMeasurementIdsOnlyWhenAllowed) {
  Event e = parse_ok(R"({"data":{"eventId":"e","gaEvent":"x"},
                        "meta":{"metaPixelId":"999","gaMeasurementId":"G-EVIL","metaTestCode":null}})");
  EXPECT_EQ(e.destinations["meta"].target_id, "");
  EXPECT_EQ(e.destinations["ga4"].target_id, "");
  EXPECT_EQ(e.destinations["meta"].test_event_code, "");
  LegacyOptions none = options();
  none.allowed_pixel_ids.clear();
  Event not_listed = parse_ok(kFullBody, none);
  EXPECT_EQ(not_listed.destinations["meta"].target_id, "");
}

TEST(Legacy, TheRequestsGaCookieIsGa4sClientId) {
  // GA4 needs the client id the site's tag set: the `_ga` cookie's last two parts (GA's cookie documentation,
  // "GA1.1.<random>.<first visit>"; the domain depth before them is not always 1).
  auto parse_with_cookie = [](const std::string& cookie) {
    LegacyRequest r = request();
    r.cookie = cookie;
    std::vector<FieldError> errors;
    auto event = parse_legacy(kFullBody, r, options(), errors);
    EXPECT_TRUE(event.has_value());
    return event ? event->ids.ga_client_id : std::string("(failed)");
  };
  EXPECT_EQ(parse_with_cookie("_ga=GA1.1.1197596843.1673515099"), "1197596843.1673515099");
  EXPECT_EQ(parse_with_cookie("_fbp=fb.1.2.3; _ga=GA1.2.1197596843.1673515099; _ga_ABC123=GS1.1.1700000000.1.0.0.0.0"),
            "1197596843.1673515099");
  EXPECT_EQ(parse_with_cookie(" _ga = \"GA1.1.42.1700000000\" ;other=1"), "42.1700000000");
  EXPECT_EQ(parse_with_cookie("_ga_ABC123=GS1.1.1700000000.1.0.0.0.0"), "");  // a stream's session cookie is not it
  EXPECT_EQ(parse_with_cookie("x_ga=GA1.1.1.2; _gax=GA1.1.3.4"), "");          // names match exactly
  EXPECT_EQ(parse_with_cookie("_ga=not-a-ga-cookie"), "");                     // not GA's form: not a client id
  EXPECT_EQ(parse_with_cookie(""), "");                                         // no cookie: GA4 is skipped later
}

TEST(Legacy, TheStreamsSessionCookieIsGa4sSessionId) {
  // The site's tag keeps the session in `_ga_<measurement id without "G-">` (GS1: dot-separated, the third
  // part; GS2 since 2025: "$"-separated items, `s` the session id). The stream is the event's: the body's
  // allowed gaMeasurementId, else the configured one.
  const std::string no_stream_body = [] {
    std::string b = kFullBody;
    b.replace(b.find(R"(, "gaMeasurementId": "G-ALLOWED")"), std::string(R"(, "gaMeasurementId": "G-ALLOWED")").size(), "");
    return b;
  }();
  auto session = [](const std::string& body, const std::string& cookie) {
    LegacyOptions o = options();
    o.ga4_measurement_id = "G-SM37QL5J42";
    LegacyRequest r = request();
    r.cookie = cookie;
    std::vector<FieldError> errors;
    auto event = parse_legacy(body, r, o, errors);
    EXPECT_TRUE(event.has_value());
    return event ? event->ids.ga_session_id : std::string("(failed)");
  };
  const std::string ga = "_ga=GA1.1.1197596843.1673515099; ";
  EXPECT_EQ(session(no_stream_body, ga + "_ga_SM37QL5J42=GS1.1.1767225000.3.1.1767225100.60.0.0"), "1767225000");
  EXPECT_EQ(session(no_stream_body, ga + "_ga_SM37QL5J42=GS2.1.s1767225000$o3$g1$t1767225100$j60$l0$h0"), "1767225000");
  EXPECT_EQ(session(no_stream_body, ga + "_ga_OTHER=GS1.1.1767225000.3.1.1767225100.60.0.0"), "");  // another stream's
  EXPECT_EQ(session(no_stream_body, ga + "_ga_SM37QL5J42=1767225000"), "");  // not the cookie's form
  EXPECT_EQ(session(no_stream_body, "_ga_SM37QL5J42=GS1.1.1767225000.3.1.1767225100.60.0.0"), "");  // no client id
  // The body names an allowed stream: its cookie, not the configured stream's.
  EXPECT_EQ(session(kFullBody, ga + "_ga_SM37QL5J42=GS1.1.1767225000.3.1.0.0.0.0; _ga_ALLOWED=GS1.1.1767229999.1.0.0.0.0.0"),
            "1767229999");
  EXPECT_EQ(session(kFullBody, ga + "_ga_SM37QL5J42=GS1.1.1767225000.3.1.0.0.0.0"), "");
}

TEST(Legacy, CookieValueReadsOneCookieOfAHeader) {
  EXPECT_EQ(cookie_value("a=1; b=2;c=3", "b"), "2");
  EXPECT_EQ(cookie_value("a=1; b=2;c=3", "c"), "3");
  EXPECT_EQ(cookie_value("a=1;;b", "b"), "");  // a name without a value is no cookie
  EXPECT_EQ(cookie_value("a=x=y", "a"), "x=y");
  EXPECT_EQ(cookie_value("", "a"), "");
}

TEST(Legacy, UnknownFieldsAreIgnoredForOldClients) {
  Event e = parse_ok(R"({"data":{"eventId":"e","gaEvent":"x","somethingNew":1},"extra":true})");
  EXPECT_EQ(e.event_id, "e");
}

TEST(Legacy, WrongTypesAreNamed) {
  Parsed p = parse(R"({"data":{"eventId":5,"gaEvent":"x","userData":{"email":7}}})");
  ASSERT_FALSE(p.result.has_value());
  ASSERT_EQ(p.errors.size(), 2u);
  EXPECT_EQ(p.errors[0].field, "data.eventId");
  EXPECT_EQ(p.errors[1].field, "data.userData.email");
}

}  // namespace
}  // namespace fanout::ingest
