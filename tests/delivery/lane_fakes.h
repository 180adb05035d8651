#pragma once
// Fakes for the lane state machine tests: a transport whose requests the test answers by hand, a clock
// the test moves, and an in-memory spool. Single-threaded, like the delivery thread they stand in for.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/event_codec.h"
#include "delivery/transport.h"
#include "spool/spool.h"

namespace fanout::delivery::testing {

class SimClock final : public Clock {
 public:
  explicit SimClock(int64_t start_ms) : now_(start_ms) {}
  int64_t now_ms() const override { return now_; }
  void advance(int64_t ms) { now_ += ms; }
  void set(int64_t ms) { now_ = ms; }

 private:
  int64_t now_;
};

// Requests wait until the test answers them; answers run their completion like a transport run() would.
class ScriptedTransport final : public Transport {
 public:
  struct Pending {
    dest::HttpRequest request;
    Completion done;
  };

  void start(dest::HttpRequest request, int64_t, Completion done) override {
    ++started_;
    pending_.push_back(Pending{std::move(request), std::move(done)});
  }

  size_t pending() const { return pending_.size(); }
  size_t started() const { return started_; }
  const dest::HttpRequest& request(size_t i = 0) const { return pending_.at(i).request; }

  // Answers the i-th pending request (0 = the oldest).
  void answer(size_t i, int status, std::string body = {}, std::map<std::string, std::string> headers = {}) {
    dest::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    if (status == 0) r.transport_error = "Operation timed out";
    Pending p = std::move(pending_.at(i));
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    p.done(std::move(p.request), std::move(r), 0.01);
  }
  void answer_all(int status, std::string body = {}, std::map<std::string, std::string> headers = {}) {
    while (!pending_.empty()) answer(0, status, body, headers);
  }

 private:
  std::deque<Pending> pending_;
  size_t started_ = 0;
};

// Pending rows and the updates delivery reported, in memory.
class MemorySpool final : public spool::Spool {
 public:
  struct Row {
    std::string payload;
    std::string destination;
    spool::State state = spool::State::pending;
    int attempts = 0;
    int64_t next_attempt_at_ms = 0;
    std::string reason;
  };

  // Adds an event pending for `destination`; returns its seq.
  int64_t add(const Event& e, const std::string& destination) {
    const int64_t seq = ++last_seq_;
    Row row;
    row.payload = encode_event(e);
    row.destination = destination;
    rows_[seq] = std::move(row);
    ids_[seq] = e.event_id;
    return seq;
  }

  void enqueue(std::vector<spool::NewEvent>, EnqueueDone done) override { done(fail("unavailable", "not here")); }
  void update(std::vector<spool::DeliveryUpdate> updates) override {
    ++update_calls_;
    for (auto& u : updates) {
      Row& r = rows_[u.seq];
      r.state = u.state;
      r.attempts = u.attempts;
      r.next_attempt_at_ms = u.next_attempt_at_ms;
      r.reason = u.state == spool::State::failed ? u.reason : u.last_error;
      updates_.push_back(std::move(u));
    }
  }
  Result<std::optional<spool::EventStatus>> lookup(const std::string&) override { return std::nullopt; }
  Result<std::vector<spool::PendingDelivery>> load_pending(const std::string& destination, int64_t after_seq,
                                                           size_t limit) override {
    reads_.push_back(limit);
    std::vector<spool::PendingDelivery> out;
    for (auto it = rows_.upper_bound(after_seq); it != rows_.end() && out.size() < limit; ++it)
      if (it->second.destination == destination && it->second.state == spool::State::pending)
        out.push_back({it->first, it->second.payload, it->second.attempts, it->second.next_attempt_at_ms});
    return out;
  }
  Result<std::vector<spool::DeadLetter>> dead_letters(const std::string&, const std::string&, size_t) override {
    return std::vector<spool::DeadLetter>{};
  }
  Result<int64_t> replay(const std::string&, const std::string&) override { return 0; }
  Result<int64_t> purge(int64_t) override { return 0; }
  bool writable() override { return true; }
  void close() override {}

  const Row& row(int64_t seq) const { return rows_.at(seq); }
  spool::State state(int64_t seq) const { return rows_.at(seq).state; }
  const std::vector<spool::DeliveryUpdate>& updates() const { return updates_; }
  const std::vector<size_t>& reads() const { return reads_; }
  size_t update_calls() const { return update_calls_; }
  size_t count(spool::State s) const {
    return static_cast<size_t>(
        std::count_if(rows_.begin(), rows_.end(), [&](const auto& r) { return r.second.state == s; }));
  }

 private:
  std::map<int64_t, Row> rows_;
  std::map<int64_t, std::string> ids_;
  std::vector<spool::DeliveryUpdate> updates_;
  std::vector<size_t> reads_;
  size_t update_calls_ = 0;
  int64_t last_seq_ = 0;
};

}  // namespace fanout::delivery::testing
