// The delivery lane's own CPU per event, without HTTP: a lane (delivery/lane.h) over a transport that
// answers every request 200 at once and a spool that only counts updates. One iteration is one event:
// it is submitted, batched (max_batch = the argument, no linger), built by a trivial destination,
// "sent", classified, run through the retry policy and turned into its spool update. Arg 1 is GA4's
// shape (a request per event), 1000 Meta's.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "delivery/lane.h"
#include "delivery/memory_budget.h"

namespace {

using namespace fanout;

class InstantTransport final : public delivery::Transport {
 public:
  void start(dest::HttpRequest request, int64_t, Completion done) override {
    pending_.emplace_back(std::move(request), std::move(done));
  }
  // Answers every request started so far with a 200.
  void answer_all() {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [request, done] : pending) {
      dest::HttpResponse r;
      r.status = 200;
      done(std::move(request), std::move(r), 0.001);
    }
  }

 private:
  std::vector<std::pair<dest::HttpRequest, Completion>> pending_;
};

class FixedClock final : public delivery::Clock {
 public:
  int64_t now_ms() const override { return now; }
  int64_t now = 1'900'000'000'000;
};

class CountingSpool final : public spool::Spool {
 public:
  void enqueue(std::vector<spool::NewEvent>, EnqueueDone) override {}
  void update(std::vector<spool::DeliveryUpdate> updates) override { updated += updates.size(); }
  Result<std::optional<spool::EventStatus>> lookup(const std::string&) override { return std::nullopt; }
  Result<std::vector<spool::PendingDelivery>> load_pending(const std::string&, int64_t, size_t) override {
    return std::vector<spool::PendingDelivery>{};
  }
  Result<std::vector<spool::DeadLetter>> dead_letters(const std::string&, const std::string&, size_t) override {
    return std::vector<spool::DeadLetter>{};
  }
  Result<int64_t> replay(const std::string&, const std::string&) override { return 0; }
  Result<int64_t> purge(int64_t) override { return 0; }
  bool writable() override { return true; }
  void close() override {}
  size_t updated = 0;
};

// Ids joined by ',' as the body; a 200 delivers them all.
class TrivialDestination final : public dest::Destination {
 public:
  explicit TrivialDestination(size_t max_batch) {
    options_.base_url = "http://platform.test";
    options_.max_batch = max_batch;
    options_.linger_ms = 0;
    options_.max_in_flight = 64;
  }
  std::string_view name() const override { return "meta"; }
  std::string skip_reason(const Event&, int64_t) const override { return {}; }
  std::vector<dest::Request> build(std::span<const Event* const> events, const dest::Auth&) const override {
    std::vector<dest::Request> out;
    for (const auto& indices : dest_batches(events.size())) {
      dest::Request r;
      r.http.url = options_.base_url + "/events";
      for (size_t i : indices) {
        r.http.body += events[i]->event_id;
        r.http.body.push_back(',');
      }
      r.indices = indices;
      out.push_back(std::move(r));
    }
    return out;
  }
  dest::Classification classify(const dest::Request& request, const dest::HttpResponse&) const override {
    dest::Classification c;
    c.events.assign(request.indices.size(), dest::EventResult{dest::Outcome::delivered, {}});
    return c;
  }
  std::chrono::seconds window() const override { return std::chrono::hours(24 * 7); }
  const dest::DeliveryOptions& options() const override { return options_; }

 private:
  std::vector<std::vector<size_t>> dest_batches(size_t n) const {
    std::vector<std::vector<size_t>> out;
    for (size_t begin = 0; begin < n; begin += options_.max_batch) {
      out.emplace_back();
      for (size_t i = begin; i < std::min(n, begin + options_.max_batch); ++i) out.back().push_back(i);
    }
    return out;
  }
  dest::DeliveryOptions options_;
};

void BM_LaneRoundTrip(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  InstantTransport transport;
  FixedClock clock;
  CountingSpool spool;
  telemetry::Metrics metrics;
  delivery::MemoryBudget budget(1 << 20, 0);
  TrivialDestination destination(batch);
  delivery::Lane lane(destination, delivery::LaneContext{transport, clock, spool, metrics, budget, [] { return 0.5; }},
                      delivery::LaneLimits{1 << 20, 2000});
  lane.tick(clock.now);  // the empty spool ends backlog mode
  std::vector<std::shared_ptr<const Event>> events;
  for (size_t i = 0; i < batch; ++i) {
    Event e;
    e.event_id = "bench-" + std::to_string(i);
    e.event_name = "purchase";
    e.event_time = clock.now / 1000;
    events.push_back(std::make_shared<const Event>(std::move(e)));
  }
  int64_t seq = 0;
  size_t i = 0;
  for (auto _ : state) {
    lane.submit(++seq, events[i], clock.now);
    if (++i == batch) {
      i = 0;
      lane.tick(clock.now);  // forms the batch and sends it
      transport.answer_all();
      lane.tick(clock.now);  // hands the outcomes to the spool
    }
  }
  state.counters["updates"] = static_cast<double>(spool.updated);
}
BENCHMARK(BM_LaneRoundTrip)->Arg(1)->Arg(1000);

}  // namespace
