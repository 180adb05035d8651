// Intake on the real SQLite spool: acknowledgement after commit, idempotency across requests, status lookup.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <stdlib.h>

#include <filesystem>

#include "ingest/intake.h"
#include "test_support.h"

namespace fanout::ingest {
namespace {

using namespace fanout::ingest::testing;

class IntakeSqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fanout-ingest-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    intake_.reset();
    if (spool_) spool_->close();
    spool_.reset();
    std::filesystem::remove_all(dir_);
  }

  void open(int64_t max_bytes = 1LL << 30) {
    spool::SqliteOptions o;
    o.path = dir_ + "/spool.db";
    o.max_bytes = max_bytes;
    auto s = spool::open_sqlite(o);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    spool_ = std::move(*s);
    IntakeOptions io;
    io.secrets = {kSecret};
    io.admin_token = "adm";
    intake_ = std::make_unique<Intake>(
        io, std::vector<const dest::Destination*>{&meta_, &tiktok_}, *spool_, metrics_,
        [this](std::vector<spool::Accepted> a) {
          std::lock_guard lock(mu_);
          accepted_ += a.size();
        },
        [this] { return spool_->writable(); });
  }

  std::string dir_;
  FakeDestination meta_{"meta"};
  FakeDestination tiktok_{"tiktok", "consent_denied"};
  telemetry::Metrics metrics_;
  std::unique_ptr<spool::Spool> spool_;
  std::unique_ptr<Intake> intake_;
  std::mutex mu_;
  size_t accepted_ = 0;
};

TEST_F(IntakeSqliteTest, AcceptsDeduplicatesAndReportsStatus) {
  open();
  const std::string body = R"({"event_id":"sq-1","event_name":"purchase","user":{"email":"kim@example.com"}})";
  net::Response first = call(*intake_, signed_post("/v1/events", body));
  EXPECT_EQ(first.status, 202);
  // Acknowledged means committed: the row is readable at once.
  auto status = spool_->lookup("sq-1");
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(status->has_value());
  EXPECT_EQ((*status)->deliveries.size(), 2u);

  net::Response again = call(*intake_, signed_post("/v1/events", body));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, R"({"received":"sq-1","duplicate":true})");
  {
    std::lock_guard lock(mu_);
    EXPECT_EQ(accepted_, 1u);
  }

  net::Response r = call(*intake_, get("/v1/events/sq-1", "adm"));
  ASSERT_EQ(r.status, 200);
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  ASSERT_TRUE(d.IsObject()) << r.body;
  EXPECT_STREQ(d["event_id"].GetString(), "sq-1");
  EXPECT_STREQ(d["destinations"]["meta"]["state"].GetString(), "pending");
  EXPECT_STREQ(d["destinations"]["tiktok"]["state"].GetString(), "skipped");
  EXPECT_STREQ(d["destinations"]["tiktok"]["reason"].GetString(), "consent_denied");
  EXPECT_EQ(call(*intake_, get("/v1/events/nope", "adm")).status, 404);
  EXPECT_EQ(call(*intake_, get("/readyz")).status, 200);
}

TEST_F(IntakeSqliteTest, BatchIsOneUnitAndLaterDuplicatesAreNamed) {
  open();
  net::Response r = call(*intake_, signed_post("/v1/events", R"({"events":[{"event_id":"b1","event_name":"lead"},
                                                                {"event_id":"b2","event_name":"lead"}]})"));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"received":["b1","b2"]})");
  r = call(*intake_, signed_post("/v1/events", R"({"events":[{"event_id":"b2","event_name":"lead"},
                                                   {"event_id":"b3","event_name":"lead"}]})"));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"received":["b2","b3"],"duplicates":["b2"]})");
  std::lock_guard lock(mu_);
  EXPECT_EQ(accepted_, 3u);
}

TEST_F(IntakeSqliteTest, FullSpoolAnswers503) {
  open(1);  // any live data is over the limit
  call(*intake_, signed_post("/v1/events", R"({"event_id":"f0","event_name":"lead"})"));
  net::Response r = call(*intake_, signed_post("/v1/events", R"({"event_id":"f1","event_name":"lead"})"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("\"error\":\"unavailable\""), 1u);
}

}  // namespace
}  // namespace fanout::ingest
