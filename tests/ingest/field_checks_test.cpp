#include "ingest/field_checks.h"

#include <gtest/gtest.h>

#include "ingest/legacy.h"
#include "ingest/routes.h"

namespace fanout::ingest {
namespace {

TEST(FieldChecks, ActionSourceIsOneOfTheSpecList) {
  for (const char* s :
       {"website", "app", "phone_call", "chat", "email", "physical_store", "system_generated", "crm", "other"})
    EXPECT_TRUE(is_action_source(s)) << s;
  EXPECT_FALSE(is_action_source("Website"));
  EXPECT_FALSE(is_action_source("web"));
  EXPECT_FALSE(is_action_source(""));
}

TEST(FieldChecks, HttpUrls) {
  EXPECT_TRUE(is_http_url("https://example.com"));
  EXPECT_TRUE(is_http_url("http://example.com/a?b=c#d"));
  EXPECT_TRUE(is_http_url("HTTPS://Example.com:8443/x"));
  EXPECT_TRUE(is_http_url("https://[2001:db8::1]/x"));
  EXPECT_FALSE(is_http_url("ftp://example.com"));
  EXPECT_FALSE(is_http_url("example.com/page"));
  EXPECT_FALSE(is_http_url("https://"));
  EXPECT_FALSE(is_http_url("https:///path"));
  EXPECT_FALSE(is_http_url("https://exa mple.com"));
  EXPECT_FALSE(is_http_url("https://example.com/\n"));
  EXPECT_FALSE(is_http_url("https://example.com/" + std::string(kMaxUrlBytes, 'a')));
}

TEST(FieldChecks, IpAddresses) {
  EXPECT_TRUE(is_ip_address("203.0.113.9"));
  EXPECT_TRUE(is_ip_address("2001:db8::1"));
  EXPECT_FALSE(is_ip_address("203.0.113"));
  EXPECT_FALSE(is_ip_address("localhost"));
  EXPECT_FALSE(is_ip_address(""));
}

TEST(FieldChecks, CurrencyIsThreeLettersUppercased) {
  EXPECT_EQ(normalize_currency("usd"), "USD");
  EXPECT_EQ(normalize_currency("EuR"), "EUR");
  EXPECT_FALSE(normalize_currency("US"));
  EXPECT_FALSE(normalize_currency("US1"));
  EXPECT_FALSE(normalize_currency("USDT"));
}

TEST(FieldChecks, GaClientIdFromCookieOrBare) {
  EXPECT_EQ(normalize_ga_client_id("GA1.1.1197596843.1673515099"), "1197596843.1673515099");
  EXPECT_EQ(normalize_ga_client_id("GA1.2.1197596843.1673515099"), "1197596843.1673515099");
  EXPECT_EQ(normalize_ga_client_id("GA1.3.4.1197596843.1673515099"), "1197596843.1673515099");
  EXPECT_EQ(normalize_ga_client_id("1197596843.1673515099"), "1197596843.1673515099");
  EXPECT_EQ(normalize_ga_client_id(" 1197596843.1673515099 "), "1197596843.1673515099");
  EXPECT_EQ(normalize_ga_client_id("custom-client-id"), "custom-client-id");
  EXPECT_FALSE(normalize_ga_client_id("  "));
}

TEST(FieldChecks, GaSessionIdFromCookieOrBare) {
  EXPECT_EQ(normalize_ga_session_id("1767225000"), "1767225000");
  EXPECT_EQ(normalize_ga_session_id("GS1.1.1767225000.3.1.1767225100.0.0.0"), "1767225000");
  EXPECT_EQ(normalize_ga_session_id("GS2.1.s1767225000$o3$g1$t1767225100$j60$l0$h0"), "1767225000");
  EXPECT_EQ(normalize_ga_session_id("GS2.1.o3$g1$s1767225000$t1767225100"), "1767225000");  // items in any order
  EXPECT_FALSE(normalize_ga_session_id(""));
}

TEST(Routes, MatchesEveryRouteAndIgnoresTheQuery) {
  EXPECT_EQ(match_route("/v1/events", true).id, RouteId::events);
  EXPECT_EQ(match_route("/v1/events?debug=1", true).id, RouteId::events);
  EXPECT_EQ(match_route("/healthz", true).id, RouteId::healthz);
  EXPECT_EQ(match_route("/readyz", true).id, RouteId::readyz);
  EXPECT_EQ(match_route("/metrics", true).id, RouteId::metrics);
  EXPECT_EQ(match_route("/", true).id, RouteId::legacy);
  EXPECT_EQ(match_route("/", false).id, RouteId::none);
  EXPECT_EQ(match_route("/nope", true).label, "unmatched");
}

TEST(Routes, EventStatusDecodesTheId) {
  Route r = match_route("/v1/events/ord%2F1%20a?x=1", true);
  EXPECT_EQ(r.id, RouteId::event_status);
  EXPECT_EQ(r.label, "/v1/events/{id}");
  EXPECT_EQ(r.event_id, "ord/1 a");
  EXPECT_EQ(match_route("/v1/events/", true).id, RouteId::none);
  EXPECT_EQ(match_route("/v1/events/a/b", true).id, RouteId::none);
  EXPECT_EQ(match_route("/v1/events/bad%2", true).id, RouteId::none);
}

TEST(Legacy, ClientIpFromForwardedForOnlyWhenTrusted) {
  EXPECT_EQ(legacy_client_ip("203.0.113.9, 10.0.0.1", "10.0.0.2", true), "203.0.113.9");
  EXPECT_EQ(legacy_client_ip("203.0.113.9, 10.0.0.1", "10.0.0.2", false), "10.0.0.2");
  EXPECT_EQ(legacy_client_ip("", "10.0.0.2", true), "10.0.0.2");
  EXPECT_EQ(legacy_client_ip("garbage", "10.0.0.2", true), "10.0.0.2");
  EXPECT_EQ(legacy_client_ip(" 2001:db8::5 ", "10.0.0.2", true), "2001:db8::5");
}

}  // namespace
}  // namespace fanout::ingest
