#pragma once
// A running sandbox per test, plus request helpers and valid sample bodies for each platform.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "sandbox/sandbox.h"
#include "../net/test_http_client.h"

namespace fanout::sandbox {

using fanout::testing::HttpResponse;
using fanout::testing::TestConnection;
using Headers = std::vector<std::pair<std::string, std::string>>;

// 64 lowercase hex characters, as a SHA-256 of normalized personal data looks.
inline const std::string kHash = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f";

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = Sandbox::start(SandboxOptions{});
    ASSERT_TRUE(started) << started.error().message;
    box = std::move(*started);
  }

  HttpResponse post(const std::string& target, const std::string& body, const Headers& headers = {}) {
    TestConnection c(box->port());
    return c.request("POST", target, body, headers);
  }
  HttpResponse get(const std::string& target) {
    TestConnection c(box->port());
    return c.request("GET", target);
  }
  HttpResponse del(const std::string& target) {
    TestConnection c(box->port());
    return c.request("DELETE", target);
  }
  void fault(const std::string& json) {
    HttpResponse r = post("/_sandbox/faults", json, {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.result_int(), 200) << r.body();
  }

  static rapidjson::Document parse(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    EXPECT_FALSE(d.HasParseError()) << text;
    return d;
  }
  static rapidjson::Document parse(const HttpResponse& r) { return parse(r.body()); }

  // --- valid requests, one helper per platform --------------------------------------------------------
  std::string meta_event(const std::string& id, int64_t time = 0) const {
    return R"({"event_name":"Purchase","event_time":)" + std::to_string(time ? time : now) +
           R"(,"action_source":"website","event_id":")" + id + R"(","user_data":{"em":[")" + kHash +
           R"("],"client_ip_address":"203.0.113.7","client_user_agent":"Mozilla/5.0"},)"
           R"("custom_data":{"value":1.5,"currency":"USD"}})";
  }
  static std::string batch(const std::vector<std::string>& events, const char* key = "data") {
    std::string b = "{\"" + std::string(key) + "\":[";
    for (size_t i = 0; i < events.size(); ++i) b += (i ? "," : "") + events[i];
    return b + "]}";
  }
  HttpResponse post_meta(const std::string& body) {
    return post("/meta/v25.0/1234567890/events?access_token=tok-1", body, {{"Content-Type", "application/json"}});
  }

  std::string tiktok_event(const std::string& id) const {
    return R"({"event":"Purchase","event_time":)" + std::to_string(now) + R"(,"event_id":")" + id +
           R"(","user":{"email":")" + kHash + R"(","ip":"203.0.113.7"}})";
  }
  std::string tiktok_body(const std::vector<std::string>& events) const {
    std::string b = batch(events);
    return R"({"event_source":"web","event_source_id":"CTEST0000",)" + b.substr(1);
  }
  HttpResponse post_tiktok(const std::string& body, bool token = true) {
    Headers h{{"Content-Type", "application/json"}};
    if (token) h.emplace_back("Access-Token", "tt-token");
    return post("/tiktok/open_api/v1.3/event/track/", body, h);
  }

  std::string ms_event(const std::string& id) const {
    return R"({"eventType":"custom","eventName":"purchase","eventId":")" + id + R"(","eventTime":)" +
           std::to_string(now) + R"(,"userData":{"em":")" + kHash +
           R"(","msclkid":"4a5b6c7d-1234-4abc-9def-0123456789ab"}})";
  }
  HttpResponse post_ms_capi(const std::string& body, const std::string& token = "ms-capi-token") {
    Headers h{{"Content-Type", "application/json"}};
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return post("/microsoft_ads/v1/12345678/events", body, h);
  }

  std::string ga4_body(const std::vector<std::string>& transaction_ids) const {
    std::string events;
    for (size_t i = 0; i < transaction_ids.size(); ++i) {
      events += (i ? "," : "") + std::string(R"({"name":"purchase","params":{"transaction_id":")") +
                transaction_ids[i] + R"(","value":3,"currency":"USD"}})";
    }
    return R"({"client_id":"1197596843.1673515099","events":[)" + events + "]}";
  }
  HttpResponse post_ga4(const std::string& body, const std::string& path = "/ga4/mp/collect") {
    return post(path + "?measurement_id=G-TEST&api_secret=s3cret", body, {{"Content-Type", "application/json"}});
  }

  std::string token(const std::string& platform) {
    HttpResponse r =
        post("/" + platform + "/token", "grant_type=refresh_token&client_id=cid&client_secret=cs&refresh_token=rt",
             {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(r.result_int(), 200) << r.body();
    auto d = parse(r);
    return d.IsObject() && d.HasMember("access_token") ? d["access_token"].GetString() : "";
  }

  std::string dm_event(const std::string& transaction_id) const {
    return R"({"transactionId":")" + transaction_id + R"(","eventTimestamp":")" + format_rfc3339(now) +
           R"(","userData":{"userIdentifiers":[{"emailAddress":")" + kHash +
           R"("}]},"adIdentifiers":{"gclid":"Cj0KCQtest"},"conversionValue":5,"currency":"USD","eventSource":"WEB"})";
  }
  static std::string dm_body(const std::vector<std::string>& events) {
    std::string b = batch(events, "events");
    return R"({"destinations":[{"operatingAccount":{"accountType":"GOOGLE_ADS","accountId":"1234567890"},)"
           R"("productDestinationId":"111"}],"encoding":"HEX",)" +
           b.substr(1);
  }
  HttpResponse post_dm(const std::string& body, const std::string& bearer) {
    return post("/google_ads/v1/events:ingest", body,
                {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + bearer}});
  }

  std::string click(const std::string& order_id, const std::string& date_time = "") const {
    std::string when = date_time;
    if (when.empty()) {
      when = format_rfc3339(now);  // 2026-11-23T12:00:00Z -> 2026-11-23 12:00:00+00:00
      when = when.substr(0, 10) + " " + when.substr(11, 8) + "+00:00";
    }
    return R"({"conversionAction":"customers/1234567890/conversionActions/111","gclid":"Cj0KCQtest",)"
           R"("conversionDateTime":")" +
           when + R"(","orderId":")" + order_id + R"(","userIdentifiers":[{"hashedEmail":")" + kHash + R"("}]})";
  }
  static std::string click_body(const std::vector<std::string>& rows, bool partial = true) {
    std::string b = batch(rows, "conversions");
    return b.substr(0, b.size() - 1) + R"(,"partialFailure":)" + (partial ? "true" : "false") + "}";
  }
  HttpResponse post_click(const std::string& body, const std::string& bearer = "any-token",
                          bool developer_token = true) {
    Headers h{{"Content-Type", "application/json"}, {"Authorization", "Bearer " + bearer}};
    if (developer_token) h.emplace_back("developer-token", "dev-token");
    return post("/google_ads/v25/customers/1234567890:uploadClickConversions", body, h);
  }

  std::string offline_row(const std::string& click_id, const std::string& name = "purchase") const {
    return R"({"ConversionName":")" + name + R"(","ConversionTime":")" + format_rfc3339(now) +
           R"(","MicrosoftClickId":")" + click_id + R"(","HashedEmailAddress":")" + kHash +
           R"(","ConversionValue":9.5})";
  }
  HttpResponse post_offline(const std::string& body, const std::string& bearer, bool developer_token = true) {
    Headers h{{"Content-Type", "application/json"},
              {"Authorization", "Bearer " + bearer},
              {"CustomerId", "111"},
              {"CustomerAccountId", "222"}};
    if (developer_token) h.emplace_back("DeveloperToken", "ms-dev");
    return post("/microsoft_ads/CampaignManagement/v13/OfflineConversions/Apply", body, h);
  }

  std::unique_ptr<Sandbox> box;
  const int64_t now = now_ms() / 1000;
};

}  // namespace fanout::sandbox
