#include "ingest/intake.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "core/event_codec.h"
#include "core/sha256.h"
#include "test_support.h"

namespace fanout::ingest {
namespace {

using namespace fanout::ingest::testing;

const std::string kEvent = R"({"event_id":"e1","event_name":"purchase","user":{"email":"a@example.com"}})";

rapidjson::Document json(const net::Response& r) {
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  EXPECT_FALSE(d.HasParseError()) << r.body;
  return d;
}

std::string error_code(const net::Response& r) {
  auto d = json(r);
  return d.IsObject() && d.HasMember("error") && d["error"].IsString() ? d["error"].GetString() : "";
}

std::string header_value(const net::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

class IntakeTest : public ::testing::Test {
 protected:
  IntakeTest() { make(options()); }

  static IntakeOptions options() {
    IntakeOptions o;
    o.secrets = {kSecret};
    o.admin_token = "admin-tok";
    o.legacy_google_ads_labels = {{"LBL", "customers/1/conversionActions/2"}};
    o.ga4_measurement_id = "G-STREAM1";  // [destinations.ga4] measurement_id: the legacy route's session cookie
    return o;
  }

  void make(IntakeOptions o) {
    intake = std::make_unique<Intake>(
        std::move(o), std::vector<const dest::Destination*>{&meta, &ga4, &google_ads}, spool, metrics,
        [this](std::vector<spool::Accepted> a) {
          for (auto& x : a) accepted.push_back(std::move(x));
        },
        [this] { return ready; });
  }

  net::Response post(const std::string& body) { return call(*intake, signed_post("/v1/events", body)); }

  FakeSpool spool;
  telemetry::Metrics metrics;
  FakeDestination meta{"meta"};
  FakeDestination ga4{"ga4", "missing_identifiers"};
  FakeDestination google_ads{"google_ads"};
  std::vector<spool::Accepted> accepted;
  bool ready = true;
  std::unique_ptr<Intake> intake;
};

TEST_F(IntakeTest, AcceptsAnEventWith202AfterTheCommit) {
  net::Response r = post(kEvent);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"received":"e1"})");
  ASSERT_EQ(spool.committed.size(), 1u);
  const spool::NewEvent& row = spool.committed[0];
  EXPECT_EQ(row.event_id, "e1");
  EXPECT_GT(row.received_at_ms, 0);
  ASSERT_EQ(row.deliveries.size(), 3u);
  EXPECT_EQ(row.deliveries[0].destination, "meta");
  EXPECT_EQ(row.deliveries[0].state, spool::State::pending);
  EXPECT_EQ(row.deliveries[1].destination, "ga4");
  EXPECT_EQ(row.deliveries[1].state, spool::State::skipped);
  EXPECT_EQ(row.deliveries[1].reason, "missing_identifiers");
  auto decoded = decode_event(row.payload);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->event_id, "e1");
  EXPECT_EQ(decoded->received_at_ms, row.received_at_ms);
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].seq, 1);
  EXPECT_EQ(accepted[0].event->event_id, "e1");
  EXPECT_EQ(accepted[0].destinations, (std::vector<std::string>{"meta", "google_ads"}));
}

TEST_F(IntakeTest, QueryStringAndContentTypeParametersAreAccepted) {
  net::Request req = signed_post("/v1/events?source=crm", kEvent);
  req.headers["content-type"] = "Application/JSON; charset=utf-8";
  EXPECT_EQ(call(*intake, std::move(req)).status, 202);
}

// The media type is compared in place (no lowercased copy): white space around it and parameters are
// ignored, anything longer, shorter or different is refused.
TEST_F(IntakeTest, ContentTypeIsExactlyApplicationJsonInAnyCase) {
  for (const char* ok : {"application/json", " APPLICATION/json \t", "application/Json ;charset=utf-8", "application/json;"}) {
    net::Request req = signed_post("/v1/events", kEvent);
    req.headers["content-type"] = ok;
    EXPECT_NE(call(*intake, std::move(req)).status, 415) << ok;
  }
  for (const char* bad : {"", " ", ";", "application/jso", "application/jsonx", "application/json-seq",
                          "application/ json", "xapplication/json", "text/json"}) {
    net::Request req = signed_post("/v1/events", kEvent);
    req.headers["content-type"] = bad;
    EXPECT_EQ(call(*intake, std::move(req)).status, 415) << bad;
  }
}

TEST_F(IntakeTest, DuplicateSingleEventAnswers200AndIsNotDeliveredAgain) {
  ASSERT_EQ(post(kEvent).status, 202);
  net::Response r = post(kEvent);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"received":"e1","duplicate":true})");
  EXPECT_EQ(spool.committed.size(), 1u);
  EXPECT_EQ(accepted.size(), 1u);
}

TEST_F(IntakeTest, BatchAnswers202ListingEveryId) {
  net::Response r = post(R"({"events":[{"event_id":"a","event_name":"lead"},{"event_id":"b","event_name":"lead"}]})");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"received":["a","b"]})");
  EXPECT_EQ(spool.committed.size(), 2u);
  EXPECT_EQ(spool.enqueue_calls, 1);  // one all-or-nothing unit
  EXPECT_EQ(accepted.size(), 2u);
}

TEST_F(IntakeTest, BatchWithAnAlreadyAcceptedIdStillAnswers202AndNamesTheDuplicate) {
  ASSERT_EQ(post(R"({"event_id":"a","event_name":"lead"})").status, 202);
  net::Response r = post(R"({"events":[{"event_id":"a","event_name":"lead"},{"event_id":"b","event_name":"lead"}]})");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"received":["a","b"],"duplicates":["a"]})");
  EXPECT_EQ(accepted.size(), 2u);  // a once, b once
}

TEST_F(IntakeTest, InvalidJsonIs400) {
  net::Response r = post("{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "invalid_json");
  EXPECT_TRUE(spool.committed.empty());
}

TEST_F(IntakeTest, InvalidEventIs400WithDetails) {
  net::Response r = post(R"({"event_id":"e1","event_name":"purchase","user":{"emial":"a@example.com"}})");
  EXPECT_EQ(r.status, 400);
  auto d = json(r);
  EXPECT_STREQ(d["error"].GetString(), "invalid_event");
  EXPECT_TRUE(d["message"].IsString());
  ASSERT_TRUE(d["details"].IsArray());
  ASSERT_EQ(d["details"].Size(), 1u);
  EXPECT_STREQ(d["details"][0]["field"].GetString(), "user.emial");
  EXPECT_STREQ(d["details"][0]["message"].GetString(), "unknown field");
  EXPECT_EQ(r.body.find("a@example.com"), std::string::npos);
}

TEST_F(IntakeTest, InvalidBatchEnqueuesNothing) {
  net::Response r = post(R"({"events":[{"event_id":"a","event_name":"lead"},{"event_id":"b"}]})");
  EXPECT_EQ(r.status, 400);
  auto d = json(r);
  EXPECT_STREQ(d["details"][0]["field"].GetString(), "events[1].event_name");
  EXPECT_EQ(spool.enqueue_calls, 0);
  EXPECT_TRUE(accepted.empty());
}

TEST_F(IntakeTest, MissingOrWrongSignatureIs401) {
  net::Request missing = signed_post("/v1/events", kEvent);
  missing.headers.erase("x-crm-signature");
  net::Response r = call(*intake, std::move(missing));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r), "invalid_signature");
  EXPECT_EQ(r.body.find(kSecret), std::string::npos);

  r = call(*intake, signed_post("/v1/events", kEvent, "wrong-secret"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r), "invalid_signature");

  net::Request tampered = signed_post("/v1/events", kEvent);
  tampered.body = R"({"event_id":"e2","event_name":"purchase"})";
  EXPECT_EQ(call(*intake, std::move(tampered)).status, 401);
  EXPECT_TRUE(spool.committed.empty());
}

TEST_F(IntakeTest, SignatureWithPrefixAndRotatedSecretsIsAccepted) {
  IntakeOptions o = options();
  o.secrets = {"old-secret", "new-secret"};
  o.signature_header = "X-Hub-Signature-256";
  make(o);
  net::Request req = signed_post("/v1/events", kEvent, "old-secret");
  req.headers.erase("x-crm-signature");
  req.headers["x-hub-signature-256"] = "sha256=" + sign_body(kEvent, "old-secret");
  EXPECT_EQ(call(*intake, std::move(req)).status, 202);
  net::Request second = signed_post("/v1/events", R"({"event_id":"e2","event_name":"x"})", "new-secret");
  second.headers["x-hub-signature-256"] = second.headers["x-crm-signature"];
  EXPECT_EQ(call(*intake, std::move(second)).status, 202);
}

TEST_F(IntakeTest, NonJsonContentTypeIs415BeforeTheSignatureCheck) {
  net::Request text = signed_post("/v1/events", kEvent);
  text.headers["content-type"] = "text/plain";
  net::Response r = call(*intake, std::move(text));
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(error_code(r), "unsupported_media_type");

  net::Request none = signed_post("/v1/events", kEvent, "wrong");
  none.headers.erase("content-type");
  EXPECT_EQ(call(*intake, std::move(none)).status, 415);
}

TEST_F(IntakeTest, SpoolUnavailableIs503) {
  spool.fail_enqueue = true;
  net::Response r = post(kEvent);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(error_code(r), "unavailable");
  EXPECT_TRUE(accepted.empty());
  EXPECT_NE(metrics.render().find("fanout_events_rejected_total{reason=\"unavailable\"} 1"), std::string::npos);
}

TEST_F(IntakeTest, LegacyRouteAnswers200PlainText) {
  const std::string body = R"({"data":{"eventId":"L1","metaEvent":"PageView","gaEvent":"page_view",
    "gadsConversionLabel":"unknown","userData":{"email":"x@example.com","name":"Ann Lee"}},"meta":{}})";
  net::Request req = signed_post("/", body);
  req.headers["user-agent"] = "CRM/1.0";
  // The site's cookies, when its pages call POST /.
  req.headers["cookie"] = "_fbp=fb.1.2.3; _ga=GA1.1.42.1700000000; _ga_STREAM1=GS2.1.s1700000100$o2$g1$t1700000200$j0$l0$h0";
  net::Response r = call(*intake, std::move(req));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Events API worker started");
  EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u);
  ASSERT_EQ(spool.committed.size(), 1u);
  const auto& row = spool.committed[0];
  EXPECT_EQ(row.deliveries[2].destination, "google_ads");
  EXPECT_EQ(row.deliveries[2].state, spool::State::skipped);
  EXPECT_EQ(row.deliveries[2].reason, "not_mapped");
  auto e = decode_event(row.payload);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->ip, "198.51.100.7");  // the peer: X-Forwarded-For is not trusted by default
  EXPECT_EQ(e->user_agent, "CRM/1.0");
  EXPECT_EQ(e->ids.ga_client_id, "42.1700000000");  // GA4's client id, from the _ga cookie
  EXPECT_EQ(e->ids.ga_session_id, "1700000100");    // its session, from the configured stream's _ga_ cookie
  EXPECT_EQ(row.payload.find("Ann"), std::string::npos);
  EXPECT_EQ(row.payload.find("x@example.com"), std::string::npos);
  // A retry of the same webhook gets the same answer and is not stored twice.
  EXPECT_EQ(call(*intake, signed_post("/", body)).body, "Events API worker started");
  EXPECT_EQ(spool.committed.size(), 1u);
}

TEST_F(IntakeTest, LegacyRouteTrustsForwardedForOnlyWhenConfigured) {
  IntakeOptions o = options();
  o.trust_forwarded_for = true;
  make(o);
  const std::string body = R"({"data":{"eventId":"L2","gaEvent":"page_view","gadsConversionLabel":"LBL"}})";
  net::Request req = signed_post("/", body);
  req.headers["x-forwarded-for"] = "203.0.113.50, 10.0.0.1";
  ASSERT_EQ(call(*intake, std::move(req)).status, 200);
  auto e = decode_event(spool.committed.at(0).payload);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->ip, "203.0.113.50");
  EXPECT_EQ(e->destinations["google_ads"].event_name, "customers/1/conversionActions/2");
  EXPECT_EQ(spool.committed[0].deliveries[2].state, spool::State::pending);
}

TEST_F(IntakeTest, LegacyRouteNeedsTheSignatureAndAValidBody) {
  const std::string body = R"({"data":{"eventId":"L3","gaEvent":"page_view"}})";
  EXPECT_EQ(call(*intake, signed_post("/", body, "bad")).status, 401);
  net::Response r = call(*intake, signed_post("/", R"({"data":{"gaEvent":"page_view"}})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "invalid_event");
  EXPECT_NE(r.body.find("data.eventId"), std::string::npos);
}

TEST_F(IntakeTest, LegacyRouteDisabledIs404) {
  IntakeOptions o = options();
  o.legacy_route = false;
  make(o);
  net::Response r = call(*intake, signed_post("/", R"({"data":{"eventId":"L4","gaEvent":"x"}})"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "not_found");
}

TEST_F(IntakeTest, HealthAndReadiness) {
  net::Response h = call(*intake, get("/healthz"));
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "ok");
  EXPECT_EQ(h.content_type.rfind("text/plain", 0), 0u);
  net::Response ok = call(*intake, get("/readyz"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ready");
  ready = false;
  net::Response not_ready = call(*intake, get("/readyz"));
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(error_code(not_ready), "unavailable");
}

TEST_F(IntakeTest, MetricsNeedTheAdminBearer) {
  EXPECT_EQ(call(*intake, get("/metrics")).status, 401);
  net::Response wrong = call(*intake, get("/metrics", "nope"));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(error_code(wrong), "unauthorized");
  EXPECT_EQ(header_value(wrong, "WWW-Authenticate"), "Bearer");

  ASSERT_EQ(post(kEvent).status, 202);
  net::Response r = call(*intake, get("/metrics", "admin-tok"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(r.body.find(R"(fanout_http_requests_total{code="202",route="/v1/events"} 1)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"(fanout_http_requests_total{code="401",route="/metrics"} 2)"), std::string::npos);
  EXPECT_NE(r.body.find("fanout_events_accepted_total 1"), std::string::npos);
}

TEST_F(IntakeTest, AdminRoutesAre404WithoutAnAdminToken) {
  IntakeOptions o = options();
  o.admin_token.clear();
  make(o);
  EXPECT_EQ(call(*intake, get("/metrics", "anything")).status, 404);
  EXPECT_EQ(call(*intake, get("/metrics")).status, 404);
  EXPECT_EQ(call(*intake, get("/v1/events/e1")).status, 404);
}

TEST_F(IntakeTest, EventStatusListsEveryDestination) {
  spool::EventStatus status;
  status.event_id = "e1";
  status.received_at_ms = 1767225600123;
  status.deliveries = {
      {"ga4", spool::State::skipped, "missing_identifiers", 0, 1767225600123, 0, ""},
      {"meta", spool::State::delivered, "", 1, 1767225601000, 0, ""},
      {"google_ads", spool::State::pending, "", 2, 1767225602000, 1767225662000, "http_503"},
  };
  spool.statuses["e1"] = status;
  net::Response r = call(*intake, get("/v1/events/e1", "admin-tok"));
  ASSERT_EQ(r.status, 200);
  auto d = json(r);
  EXPECT_STREQ(d["event_id"].GetString(), "e1");
  EXPECT_STREQ(d["received_at"].GetString(), "2026-01-01T00:00:00.123Z");
  const auto& dests = d["destinations"];
  EXPECT_STREQ(dests["meta"]["state"].GetString(), "delivered");
  EXPECT_EQ(dests["meta"]["attempts"].GetInt(), 1);
  EXPECT_STREQ(dests["meta"]["updated_at"].GetString(), "2026-01-01T00:00:01.000Z");
  EXPECT_FALSE(dests["meta"].HasMember("reason"));
  EXPECT_STREQ(dests["ga4"]["state"].GetString(), "skipped");
  EXPECT_STREQ(dests["ga4"]["reason"].GetString(), "missing_identifiers");
  EXPECT_STREQ(dests["google_ads"]["state"].GetString(), "pending");
  EXPECT_STREQ(dests["google_ads"]["next_attempt_at"].GetString(), "2026-01-01T00:01:02.000Z");
  EXPECT_STREQ(dests["google_ads"]["last_error"].GetString(), "http_503");
  // Documented order, whatever order the spool returned.
  EXPECT_LT(r.body.find("\"meta\""), r.body.find("\"ga4\""));
  EXPECT_LT(r.body.find("\"ga4\""), r.body.find("\"google_ads\""));
}

TEST_F(IntakeTest, EventStatusErrors) {
  EXPECT_EQ(call(*intake, get("/v1/events/e1")).status, 401);
  net::Response unknown = call(*intake, get("/v1/events/nope", "admin-tok"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(error_code(unknown), "not_found");
  spool.fail_lookup = true;
  EXPECT_EQ(call(*intake, get("/v1/events/e1", "admin-tok")).status, 503);
}

TEST_F(IntakeTest, MetricsUseTheRouteTemplateNotTheId) {
  call(*intake, get("/v1/events/secret-order-77", "admin-tok"));
  call(*intake, get("/no/such/path"));
  std::string text = metrics.render();
  EXPECT_NE(text.find(R"(route="/v1/events/{id}")"), std::string::npos);
  EXPECT_NE(text.find(R"(route="unmatched")"), std::string::npos);
  EXPECT_EQ(text.find("secret-order-77"), std::string::npos);
  EXPECT_EQ(text.find("/no/such/path"), std::string::npos);
}

TEST_F(IntakeTest, UnknownPathIs404) {
  net::Response r = call(*intake, get("/v2/events"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "not_found");
}

TEST_F(IntakeTest, WrongMethodIs405WithAllow) {
  net::Response r = call(*intake, get("/v1/events"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(error_code(r), "method_not_allowed");
  EXPECT_EQ(header_value(r, "Allow"), "POST");
  net::Request post_health = signed_post("/healthz", "{}");
  net::Response h = call(*intake, std::move(post_health));
  EXPECT_EQ(h.status, 405);
  EXPECT_EQ(header_value(h, "Allow"), "GET");
  net::Request del = get("/v1/events/e1", "admin-tok");
  del.method = "DELETE";
  EXPECT_EQ(call(*intake, std::move(del)).status, 405);
  net::Request get_root = get("/");
  EXPECT_EQ(header_value(call(*intake, std::move(get_root)), "Allow"), "POST");
}

TEST_F(IntakeTest, StoredPayloadHoldsNoRawPersonalData) {
  const std::string body = R"({"event_id":"pii-1","event_name":"lead","user":{"email":"Maria.Lopez@Example.com",
    "phone":["+34 612 345 678"],"first_name":"Maria","last_name":"Lopez","city":"Sevilla","zip":"41001",
    "date_of_birth":"1988-03-04","country":"ES"}})";
  ASSERT_EQ(post(body).status, 202);
  ASSERT_EQ(spool.committed.size(), 1u);
  const std::string& payload = spool.committed[0].payload;
  for (const char* raw : {"Maria", "maria", "Lopez", "lopez", "612345678", "612 345", "1988-03-04"})
    EXPECT_EQ(payload.find(raw), std::string::npos) << raw;
  EXPECT_NE(payload.find(sha256_hex("maria.lopez@example.com")), std::string::npos);
  EXPECT_NE(payload.find(sha256_hex("+34612345678")), std::string::npos);
}

TEST_F(IntakeTest, RejectionsAreCountedByReason) {
  post("[");
  post(R"({"event_id":"x"})");
  call(*intake, signed_post("/v1/events", kEvent, "bad"));
  std::string text = metrics.render();
  EXPECT_NE(text.find(R"(fanout_events_rejected_total{reason="invalid_json"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(fanout_events_rejected_total{reason="invalid_event"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(fanout_events_rejected_total{reason="invalid_signature"} 1)"), std::string::npos);
}

}  // namespace
}  // namespace fanout::ingest
