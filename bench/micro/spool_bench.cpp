// Spool write throughput: events acknowledged per second (durably committed, 5 deliveries each), with
// many enqueue() calls in flight as concurrent HTTP requests would produce. Arg = events per enqueue().
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "spool/spool.h"

namespace {

using namespace fanout::spool;

// CPU seconds used by the whole process (all threads: producer, writer, SQLite).
double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// About the size of an encoded purchase event with hashed identifiers.
std::string sample_payload(const std::string& id) {
  std::string p = R"({"event_id":")" + id + R"(","event_name":"purchase","event_time":1700000000,)";
  p += R"("user":{"email_lower_sha256":[")" + std::string(64, 'a') + R"("],"phone_e164_sha256":[")" + std::string(64, 'b') +
       R"("]},"ip":"203.0.113.7","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",)";
  p += R"("ids":{"fbp":"fb.1.1700000000.123456789","gclid":"EAIaIQobChMI0123456789"},"value":49.9,"currency":"EUR"})";
  return p;
}

const std::vector<std::string> kDestinations{"meta", "ga4", "google_ads", "microsoft_ads", "tiktok"};

// A new event with a pending delivery to each of kDestinations.
NewEvent sample_event(const std::string& id) {
  NewEvent e;
  e.event_id = id;
  e.received_at_ms = 1700000000000;
  e.payload = sample_payload(id);
  for (const auto& d : kDestinations) e.deliveries.push_back(Delivery{d, State::pending, "", 0, 0, 0, ""});
  return e;
}

// A spool in a fresh temporary directory, closed and removed at the end.
struct TempSpool {
  TempSpool() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fanout-bench-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    SqliteOptions options;
    options.path = dir + "/spool.db";
    spool = open_sqlite(options);
  }
  ~TempSpool() {
    if (spool) (*spool)->close();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string dir;
  fanout::Result<std::unique_ptr<Spool>> spool;
};

void BM_SpoolEnqueue(benchmark::State& state) {
  const int per_call = static_cast<int>(state.range(0));
  // Events accepted but not yet committed: like that many HTTP requests waiting for their 202.
  constexpr int kMaxInFlight = 4096;
  TempSpool temp;
  if (!temp.spool) {
    state.SkipWithError(temp.spool.error().message.c_str());
    return;
  }
  auto& spool = temp.spool;
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  int64_t failures = 0;
  int64_t next_id = 0;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state) {
    std::vector<NewEvent> events;
    events.reserve(per_call);
    for (int j = 0; j < per_call; ++j) {
      events.push_back(sample_event("bench-" + std::to_string(next_id++)));
    }
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight + per_call <= kMaxInFlight; });
      in_flight += per_call;
    }
    (*spool)->enqueue(std::move(events), [&, per_call](fanout::Result<EnqueueResult> r) {
      std::lock_guard lock(mu);
      if (!r) ++failures;
      in_flight -= per_call;
      cv.notify_one();
    });
  }
  {
    // Throughput counts only durable acknowledgements: wait for the last commits.
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  if (failures > 0) state.SkipWithError("enqueue failed");
  state.SetItemsProcessed(state.iterations() * per_call);
  // Wall time including the final commits (the benchmark's own timer stops before them).
  const double events = static_cast<double>(state.iterations() * per_call);
  state.counters["acked_per_second"] = events / elapsed.count();
  // On a shared machine wall time depends on the neighbours; CPU per event says what one free core would do.
  state.counters["cpu_us_per_event"] = (process_cpu_seconds() - cpu_start) * 1e6 / events;
}
BENCHMARK(BM_SpoolEnqueue)->Arg(1)->Arg(50)->UseRealTime()->MinTime(3);

// An event's whole life in the spool: enqueued with five pending deliveries, then each destination
// reports it delivered (as delivery does after a batch, in updates of 1000). Items are events.
// Arg = events per update() call. The delivery thread hands over each destination's completions once
// per loop turn, so under load small results of the five destinations (GA4: one event per request)
// arrive interleaved: 1000 is one result per destination, 4 interleaves the destinations every 4 events.
void BM_SpoolLifecycle(benchmark::State& state) {
  constexpr int kBatch = 1000;
  const size_t per_update = static_cast<size_t>(state.range(0));
  TempSpool temp;
  if (!temp.spool) {
    state.SkipWithError(temp.spool.error().message.c_str());
    return;
  }
  auto& spool = temp.spool;
  int64_t next_id = 0;
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state) {
    std::vector<NewEvent> events;
    for (int j = 0; j < kBatch; ++j) {
      events.push_back(sample_event("life-" + std::to_string(next_id++)));
    }
    std::promise<fanout::Result<EnqueueResult>> done;
    auto result = done.get_future();
    (*spool)->enqueue(std::move(events), [&done](fanout::Result<EnqueueResult> r) { done.set_value(std::move(r)); });
    auto committed = result.get();
    if (!committed) {
      state.SkipWithError("enqueue failed");
      break;
    }
    const std::vector<int64_t>& seqs = committed->seq;
    for (size_t begin = 0; begin < seqs.size(); begin += per_update) {
      const size_t end = std::min(seqs.size(), begin + per_update);
      for (const auto& d : kDestinations) {
        std::vector<DeliveryUpdate> updates;
        for (size_t i = begin; i < end; ++i)
          updates.push_back(DeliveryUpdate{seqs[i], d, State::delivered, "", 1, 0, ""});
        (*spool)->update(std::move(updates));
      }
    }
    std::promise<void> flushed;  // an empty enqueue waits for the updates before it
    auto barrier = flushed.get_future();
    (*spool)->enqueue({}, [&flushed](fanout::Result<EnqueueResult>) { flushed.set_value(); });
    barrier.wait();
  }
  const double events = static_cast<double>(state.iterations() * kBatch);
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["cpu_us_per_event"] = (process_cpu_seconds() - cpu_start) * 1e6 / events;
}
BENCHMARK(BM_SpoolLifecycle)->Arg(1000)->Arg(4)->UseRealTime()->MinTime(3);

}  // namespace
