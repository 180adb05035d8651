// The delivery attempt line: its fields in order, and nothing built or written when its level is filtered.
#include "delivery/attempt_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "../telemetry/stderr_capture.h"
#include "telemetry/log.h"

namespace fanout::delivery {
namespace {

using ::fanout::testing::StderrCapture;

// The line after its timestamp: {"ts":"<24 characters>", is 33 bytes.
std::string without_ts(const std::string& line) { return line.size() > 33 ? line.substr(33) : line; }

TEST(AttemptLog, ADeliveredAttemptListsItsEventIds) {
  StderrCapture capture;
  AttemptRecord r;
  r.destination = "ga4";
  r.outcome = "delivered";
  r.http_status = 204;
  r.latency_ms = 12.3456;
  r.attempt = 1;
  r.event_ids = {"a", "b\"c"};
  log_attempt(r);
  EXPECT_EQ(without_ts(capture.take()),
            R"("level":"info","msg":"delivery_attempt","destination":"ga4","outcome":"delivered",)"
            R"("http_status":204,"latency_ms":12.346,"batch_size":2,"attempt":1,"event_ids":["a","b\"c"]})"
            "\n");
}

TEST(AttemptLog, ABigFailedBatchCountsItsEventsAndGivesTheReason) {
  StderrCapture capture;
  AttemptRecord r;
  r.destination = "meta";
  r.outcome = "retry";
  r.latency_ms = 5000;
  r.attempt = 3;
  std::vector<std::string> ids(kMaxLoggedEventIds + 1, "e");
  r.event_ids.assign(ids.begin(), ids.end());
  r.error = "http_503";
  log_attempt(r);
  EXPECT_EQ(without_ts(capture.take()),
            R"("level":"warn","msg":"delivery_attempt","destination":"meta","outcome":"retry",)"
            R"("http_status":0,"latency_ms":5000.000,"batch_size":21,"attempt":3,"event_count":21,)"
            R"("error":"http_503"})"
            "\n");
}

TEST(AttemptLog, AttemptsBelowTheLevelWriteNothing) {
  StderrCapture capture;
  const log::Level before = log::level();
  log::set_level(log::Level::warn);
  AttemptRecord r;
  r.destination = "tiktok";
  r.outcome = "delivered";
  r.event_ids = {"a"};
  log_attempt(r);  // info: dropped
  r.outcome = "failed";
  log_attempt(r);  // warn: written
  log::set_level(before);
  const std::string out = capture.take();
  EXPECT_EQ(out.find("delivered"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("outcome":"failed")"), std::string::npos) << out;
}

}  // namespace
}  // namespace fanout::delivery
