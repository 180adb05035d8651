// The console's routes, driven through Console::handle as the HTTP server calls it, on a real SQLite
// spool: the page and its security headers, the bearer check, the JSON APIs and the live stream.
#include "console/console.h"

#include <cstdlib>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <future>
#include <string>

#include "../spool/spool_test_util.h"
#include "app/config.h"
#include "core/clock.h"
#include "core/event_codec.h"
#include "ingest/event_parser.h"

namespace fanout::console {
namespace {

constexpr const char* kToken = "console-test-token";

const char* kConfig = R"([ingest]
secret_env = "CT_SECRET"
[destinations.meta]
pixel_id = "1234567890123456"
access_token_env = "CT_META"
[destinations.ga4]
measurement_id = "G-TEST12345"
api_secret_env = "CT_GA4"
)";

std::string header(const net::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"CT_SECRET", "CT_META", "CT_GA4"}) setenv(v, "TOPSECRET-VALUE", 1);
    auto c = app::load_config_text(kConfig, "console.toml", app::LoadOptions{.redact_secrets = true});
    ASSERT_TRUE(c) << c.error().message;
    config_ = std::make_unique<app::Config>(std::move(*c));
    auto s = spool::open_sqlite(spool::SqliteOptions{dir_.path() + "/spool.db"});
    ASSERT_TRUE(s) << s.error().message;
    spool_ = std::move(*s);
    ConsoleOptions options;
    options.admin_token = kToken;
    options.destination_names = {"meta", "ga4"};
    options.preview_destinations = config_->destination_ptrs();
    console_ = std::make_unique<Console>(options, *spool_, metrics_);
  }
  void TearDown() override {
    if (console_) console_->stop();
    if (spool_) spool_->close();
  }

  net::Response call(const std::string& method, const std::string& target, bool auth = true, std::string body = "",
                     std::string token = kToken) {
    net::Request r;
    r.method = method;
    r.target = target;
    if (auth) r.headers["authorization"] = "Bearer " + token;
    r.body = std::move(body);
    std::promise<net::Response> promise;
    auto future = promise.get_future();
    console_->handle(std::move(r), [&promise](net::Response response) { promise.set_value(std::move(response)); });
    return future.get();
  }

  // Accepts one canonical event as intake would (meta pending, ga4 `skip` when given), returns its seq.
  int64_t accept(const std::string& id, const std::string& ga4_skip = "") {
    ingest::ParseOptions options;
    options.now_s = now_ms() / 1000;
    std::vector<ingest::FieldError> errors;
    const std::string body = R"({"event_id":")" + id + R"(","event_name":"purchase","event_time":)" +
                             std::to_string(options.now_s) +
                             R"(,"action_source":"website","user":{"email":"Jane.Doe@Example.com","ip":"203.0.113.9"},"value":12.5,"currency":"EUR"})";
    auto parsed = ingest::parse_body(body, options, errors);
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
    spool::NewEvent e;
    e.event_id = id;
    e.received_at_ms = now_ms();
    e.payload = encode_event(parsed->events.front());
    e.deliveries.push_back(spool::Delivery{"meta", spool::State::pending, "", 0, 0, 0, ""});
    spool::Delivery ga4{"ga4", spool::State::pending, "", 0, 0, 0, ""};
    if (!ga4_skip.empty()) {
      ga4.state = spool::State::skipped;
      ga4.reason = ga4_skip;
    }
    e.deliveries.push_back(ga4);
    auto r = spool::testing::enqueue_sync(*spool_, {e});
    EXPECT_TRUE(r);
    return r ? r->seq.at(0) : 0;
  }

  spool::testing::TempDir dir_;
  std::unique_ptr<app::Config> config_;
  std::unique_ptr<spool::Spool> spool_;
  telemetry::Metrics metrics_;
  std::unique_ptr<Console> console_;
};

TEST_F(ConsoleTest, OwnsOnlyTheUiPaths) {
  EXPECT_TRUE(Console::owns("/ui"));
  EXPECT_TRUE(Console::owns("/ui/"));
  EXPECT_TRUE(Console::owns("/ui/api/events?limit=5"));
  EXPECT_FALSE(Console::owns("/uix"));
  EXPECT_FALSE(Console::owns("/v1/events"));
  EXPECT_FALSE(Console::owns("/"));
}

TEST_F(ConsoleTest, ServesThePageWithStrictHeaders) {
  net::Response page = call("GET", "/ui/", false);
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("app.js"), std::string::npos);
  EXPECT_NE(header(page, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(header(page, "Content-Security-Policy").find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(header(page, "X-Frame-Options"), "DENY");
  const std::string etag = header(page, "ETag");
  ASSERT_FALSE(etag.empty());

  net::Request again;
  again.method = "GET";
  again.target = "/ui/";
  again.headers["if-none-match"] = etag;
  std::promise<net::Response> p;
  console_->handle(std::move(again), [&p](net::Response r) { p.set_value(std::move(r)); });
  EXPECT_EQ(p.get_future().get().status, 304);

  net::Response js = call("GET", "/ui/app.js", false);
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(call("GET", "/ui/missing.js", false).status, 404);
  EXPECT_EQ(call("POST", "/ui/", false).status, 405);
  net::Response redirect = call("GET", "/ui", false);
  EXPECT_EQ(redirect.status, 308);
  EXPECT_EQ(header(redirect, "Location"), "/ui/");
  // The page holds no data: no inline script, nothing but references to its own files.
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
  EXPECT_EQ(page.body.find("style="), std::string::npos);
}

TEST_F(ConsoleTest, ApisNeedTheAdminBearer) {
  for (const char* path : {"/ui/api/session", "/ui/api/events", "/ui/api/events/x", "/ui/api/stream",
                           "/ui/api/destinations", "/ui/api/dead-letters"}) {
    EXPECT_EQ(call("GET", path, false).status, 401) << path;
    EXPECT_EQ(call("GET", path, true, "", "wrong-token").status, 401) << path;
  }
  EXPECT_EQ(call("POST", "/ui/api/replay", false, R"({"destination":"meta"})").status, 401);
  net::Response session = call("GET", "/ui/api/session");
  EXPECT_EQ(session.status, 200);
  EXPECT_EQ(session.body, R"({"destinations":["meta","ga4"],"max_rows":500})");
  EXPECT_EQ(header(session, "Cache-Control"), "no-store");
  EXPECT_EQ(call("GET", "/ui/api/nothing").status, 404);
  EXPECT_EQ(call("POST", "/ui/api/events").status, 405);
}

TEST_F(ConsoleTest, ListsEventsNewestFirstWithTheirStates) {
  accept("first");
  accept("second", "consent_denied");
  net::Response r = call("GET", "/ui/api/events");
  ASSERT_EQ(r.status, 200);
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.body;
  const auto& events = d["events"];
  ASSERT_EQ(events.Size(), 2u);
  EXPECT_STREQ(events[0]["event_id"].GetString(), "second");
  EXPECT_STREQ(events[0]["event_name"].GetString(), "purchase");
  EXPECT_STREQ(events[0]["destinations"]["ga4"]["state"].GetString(), "skipped");
  EXPECT_STREQ(events[0]["destinations"]["ga4"]["reason"].GetString(), "consent_denied");
  EXPECT_STREQ(events[0]["destinations"]["meta"]["state"].GetString(), "pending");
  EXPECT_STREQ(events[1]["event_id"].GetString(), "first");
  net::Response one = call("GET", "/ui/api/events?limit=1");
  d.Parse(one.body.c_str());
  EXPECT_EQ(d["events"].Size(), 1u);
}

TEST_F(ConsoleTest, DetailShowsRequestBodiesHashedAndRedacted) {
  const int64_t seq = accept("ord-1", "consent_denied");
  spool::DeliveryUpdate u{seq, "meta", spool::State::delivered, "", 1, 0, ""};
  u.attempt = spool::Attempt{now_ms(), 200, 42.0, ""};
  spool_->update({u});
  spool::testing::flush(*spool_);

  net::Response r = call("GET", "/ui/api/events/ord-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("TOPSECRET"), std::string::npos);
  EXPECT_EQ(r.body.find("Jane.Doe"), std::string::npos);
  EXPECT_EQ(r.body.find("jane.doe"), std::string::npos);
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.body;
  ASSERT_EQ(d["destinations"].Size(), 2u);
  const auto& ga4 = d["destinations"][0];
  EXPECT_STREQ(ga4["destination"].GetString(), "ga4");
  EXPECT_STREQ(ga4["state"].GetString(), "skipped");
  EXPECT_TRUE(ga4["request"].IsNull());
  const auto& meta = d["destinations"][1];
  EXPECT_STREQ(meta["state"].GetString(), "delivered");
  ASSERT_TRUE(meta["request"].IsObject());
  const auto& body = meta["request"]["body"];
  ASSERT_TRUE(body.IsObject());
  EXPECT_STREQ(body["data"][0]["event_id"].GetString(), "ord-1");
  // sha256("jane.doe@example.com")
  EXPECT_STREQ(body["data"][0]["user_data"]["em"][0].GetString(),
               "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d");
  ASSERT_EQ(meta["attempts"].Size(), 1u);
  EXPECT_EQ(meta["attempts"][0]["http_status"].GetInt(), 200);
  EXPECT_STREQ(meta["attempts"][0]["outcome"].GetString(), "delivered");
  EXPECT_EQ(meta["attempts"][0]["latency_ms"].GetInt(), 42);

  EXPECT_EQ(call("GET", "/ui/api/events/unknown").status, 404);
  EXPECT_EQ(call("GET", "/ui/api/events/ord%2D1").status, 200);  // percent-decoded id
}

TEST_F(ConsoleTest, ListsAndReplaysDeadLetters) {
  const int64_t a = accept("dead-a");
  const int64_t b = accept("dead-b");
  spool_->update({spool::DeliveryUpdate{a, "meta", spool::State::failed, "invalid_parameter", 1, 0, ""},
                  spool::DeliveryUpdate{b, "meta", spool::State::failed, "invalid_parameter", 1, 0, ""}});
  spool::testing::flush(*spool_);
  net::Response list = call("GET", "/ui/api/dead-letters?destination=meta");
  ASSERT_EQ(list.status, 200);
  rapidjson::Document d;
  d.Parse(list.body.c_str());
  ASSERT_EQ(d["dead_letters"].Size(), 2u);
  EXPECT_STREQ(d["dead_letters"][0]["reason"].GetString(), "invalid_parameter");

  EXPECT_EQ(call("POST", "/ui/api/replay", true, "{}").status, 400);
  EXPECT_EQ(call("POST", "/ui/api/replay", true, "not json").status, 400);
  net::Response one = call("POST", "/ui/api/replay", true, R"({"event_id":"dead-a","destination":"meta"})");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body, R"({"replayed":1})");
  net::Response rest = call("POST", "/ui/api/replay", true, R"({"destination":"meta"})");
  EXPECT_EQ(rest.body, R"({"replayed":1})");
  d.Parse(call("GET", "/ui/api/dead-letters").body.c_str());
  EXPECT_EQ(d["dead_letters"].Size(), 0u);
}

// delivered / failed / skipped / pending come from the spool (a restart keeps them); retries and
// backlog from this process's metrics.
TEST_F(ConsoleTest, DestinationsCountWhatTheSpoolHolds) {
  const int64_t a = accept("count-a");
  accept("count-b", "consent_denied");
  accept("count-c");
  spool_->update({spool::DeliveryUpdate{a, "meta", spool::State::delivered, "", 1, 0, ""}});
  spool::testing::flush(*spool_);
  metrics_.delivery("meta", "delivered", 7);  // this process's counters do not make the counts
  metrics_.delivery("meta", "retry", 2);
  metrics_.queue_depth("meta", 4);
  auto destinations = [this] {
    net::Response r = call("GET", "/ui/api/destinations");
    EXPECT_EQ(r.status, 200);
    auto d = std::make_unique<rapidjson::Document>();
    d->Parse(r.body.c_str());
    EXPECT_FALSE(d->HasParseError()) << r.body;
    return d;
  };
  auto d = destinations();
  EXPECT_GT((*d)["counts_at_ms"].GetInt64(), 0);
  const auto& meta = (*d)["destinations"][0];
  EXPECT_STREQ(meta["destination"].GetString(), "meta");
  EXPECT_EQ(meta["delivered"].GetInt(), 1);
  EXPECT_EQ(meta["pending"].GetInt(), 2);
  EXPECT_EQ(meta["failed"].GetInt(), 0);
  EXPECT_EQ(meta["retries"].GetInt(), 2);
  EXPECT_EQ(meta["backlog"].GetInt(), 4);
  const auto& ga4 = (*d)["destinations"][1];
  EXPECT_EQ(ga4["skipped"].GetInt(), 1);
  EXPECT_EQ(ga4["pending"].GetInt(), 2);
  EXPECT_TRUE((*d)["rates"]["accepted"].IsArray());

  // A restart: a new process (fresh metrics), the same spool file.
  console_->stop();
  console_.reset();
  spool_->close();
  auto reopened = spool::open_sqlite(spool::SqliteOptions{dir_.path() + "/spool.db"});
  ASSERT_TRUE(reopened) << reopened.error().message;
  spool_ = std::move(*reopened);
  telemetry::Metrics fresh;
  ConsoleOptions options;
  options.admin_token = kToken;
  options.destination_names = {"meta", "ga4"};
  console_ = std::make_unique<Console>(options, *spool_, fresh);
  auto after = destinations();
  const auto& meta_after = (*after)["destinations"][0];
  EXPECT_EQ(meta_after["delivered"].GetInt(), 1);
  EXPECT_EQ(meta_after["pending"].GetInt(), 2);
  EXPECT_EQ(meta_after["retries"].GetInt(), 0);
  EXPECT_EQ((*after)["destinations"][1]["skipped"].GetInt(), 1);
  console_->stop();
  console_.reset();  // before `fresh` goes
}

// Pulls one piece of a stream, waiting at most `timeout` for it.
std::optional<std::string> pull(net::BodyStream& stream, std::chrono::seconds timeout = std::chrono::seconds(10)) {
  auto promise = std::make_shared<std::promise<std::optional<std::string>>>();
  auto future = promise->get_future();
  stream.next([promise](std::optional<std::string> piece) { promise->set_value(std::move(piece)); });
  if (future.wait_for(timeout) != std::future_status::ready) return std::string("<timeout>");
  return future.get();
}

TEST_F(ConsoleTest, StreamSendsTheWindowThenChanges) {
  accept("s-1");
  net::Response r = call("GET", "/ui/api/stream");
  ASSERT_EQ(r.status, 200);
  ASSERT_TRUE(r.stream);
  EXPECT_EQ(r.content_type, "text/event-stream");
  auto first = pull(*r.stream);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->rfind("event: rows\ndata: ", 0), 0u) << *first;
  EXPECT_NE(first->find("\"s-1\""), std::string::npos);

  const int64_t seq = accept("s-2");
  auto second = pull(*r.stream);
  ASSERT_TRUE(second);
  EXPECT_NE(second->find("\"s-2\""), std::string::npos) << *second;
  EXPECT_EQ(second->find("\"s-1\""), std::string::npos) << "unchanged rows are not sent again";

  spool_->update({spool::DeliveryUpdate{seq, "meta", spool::State::delivered, "", 1, 0, ""}});
  auto third = pull(*r.stream);
  ASSERT_TRUE(third);
  EXPECT_NE(third->find("\"s-2\""), std::string::npos) << *third;
  EXPECT_NE(third->find("\"delivered\""), std::string::npos) << *third;
}

TEST_F(ConsoleTest, BoundsTheNumberOfStreams) {
  std::vector<net::Response> open;
  for (int i = 0; i < Console::kMaxStreams; ++i) {
    open.push_back(call("GET", "/ui/api/stream"));
    ASSERT_EQ(open.back().status, 200);
  }
  EXPECT_EQ(call("GET", "/ui/api/stream").status, 503);
  open.pop_back();  // a stream dropped by its connection frees its place
  EXPECT_EQ(call("GET", "/ui/api/stream").status, 200);
}

}  // namespace
}  // namespace fanout::console
