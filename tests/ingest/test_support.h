#pragma once
// Fakes and helpers shared by the ingest tests: a Spool whose answers the test controls, a Destination
// whose skip reason the test controls, and a way to call Intake::handle and wait for its single answer.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/event_codec.h"
#include "destinations/destination.h"
#include "ingest/intake.h"
#include "ingest/signature.h"
#include "net/http_server.h"
#include "spool/spool.h"

namespace fanout::ingest::testing {

class FakeSpool : public spool::Spool {
 public:
  void enqueue(std::vector<spool::NewEvent> events, EnqueueDone done) override {
    std::vector<spool::NewEvent> rows = std::move(events);
    if (fail_enqueue) return done(fail("unavailable", "spool over max_bytes"));
    spool::EnqueueResult result;
    {
      std::lock_guard lock(mu);
      for (auto& row : rows) {
        bool duplicate = !ids.insert(row.event_id).second;
        result.seq.push_back(duplicate ? 0 : ++last_seq);
        result.duplicate.push_back(duplicate);
        if (!duplicate) committed.push_back(row);
      }
      ++enqueue_calls;
    }
    done(result);
  }
  void update(std::vector<spool::DeliveryUpdate>) override {}
  Result<std::optional<spool::EventStatus>> lookup(const std::string& event_id) override {
    if (fail_lookup) return fail("unavailable", "disk error");
    auto it = statuses.find(event_id);
    if (it == statuses.end()) return std::optional<spool::EventStatus>{};
    return std::optional<spool::EventStatus>{it->second};
  }
  Result<std::vector<spool::PendingDelivery>> load_pending(const std::string&, int64_t, size_t) override {
    return std::vector<spool::PendingDelivery>{};
  }
  Result<std::vector<spool::DeadLetter>> dead_letters(const std::string&, const std::string&, size_t) override {
    return std::vector<spool::DeadLetter>{};
  }
  Result<int64_t> replay(const std::string&, const std::string&) override { return 0; }
  Result<int64_t> purge(int64_t) override { return 0; }
  bool writable() override { return !fail_enqueue; }
  void close() override {}

  std::mutex mu;
  std::set<std::string> ids;                           // every event_id accepted so far
  std::vector<spool::NewEvent> committed;              // rows written, in order
  std::map<std::string, spool::EventStatus> statuses;  // what lookup() answers
  int64_t last_seq = 0;
  int enqueue_calls = 0;
  bool fail_enqueue = false;
  bool fail_lookup = false;
};

class FakeDestination : public dest::Destination {
 public:
  FakeDestination(std::string name, std::string reason = "") : name_(std::move(name)), reason_(std::move(reason)) {}
  std::string_view name() const override { return name_; }
  std::string skip_reason(const Event& event, int64_t) const override {
    auto it = event.destinations.find(name_);
    if (it != event.destinations.end() && !it->second.skip_reason.empty()) return it->second.skip_reason;
    return reason_;
  }
  std::vector<dest::Request> build(std::span<const Event* const>, const dest::Auth&) const override { return {}; }
  dest::Classification classify(const dest::Request&, const dest::HttpResponse&) const override { return {}; }
  std::chrono::seconds window() const override { return std::chrono::hours(24 * 7); }
  const dest::DeliveryOptions& options() const override { return options_; }

 private:
  std::string name_;
  std::string reason_;
  dest::DeliveryOptions options_;
};

// Calls `intake.handle` and waits for its answer (the spool may answer on another thread).
inline net::Response call(Intake& intake, net::Request request) {
  auto promise = std::make_shared<std::promise<net::Response>>();
  auto future = promise->get_future();
  auto calls = std::make_shared<int>(0);
  intake.handle(std::move(request), [promise, calls](net::Response r) {
    ++*calls;
    promise->set_value(std::move(r));
  });
  // Generous bound: only there so a missing answer fails the test instead of hanging it.
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    ADD_FAILURE() << "no answer";
    return {};
  }
  return future.get();
}

inline const char* kSecret = "s3cret";

// A signed POST with a JSON content type.
inline net::Request signed_post(const std::string& target, const std::string& body,
                                const std::string& secret = kSecret) {
  net::Request r;
  r.method = "POST";
  r.target = target;
  r.body = body;
  r.peer_ip = "198.51.100.7";
  r.headers["content-type"] = "application/json";
  r.headers["x-crm-signature"] = sign_body(body, secret);
  return r;
}

inline net::Request get(const std::string& target, const std::string& bearer = "") {
  net::Request r;
  r.method = "GET";
  r.target = target;
  r.peer_ip = "127.0.0.1";
  if (!bearer.empty()) r.headers["authorization"] = "Bearer " + bearer;
  return r;
}

}  // namespace fanout::ingest::testing
