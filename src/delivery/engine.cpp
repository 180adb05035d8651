#include "delivery/engine.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/clock.h"
#include "delivery/curl_client.h"
#include "delivery/lane.h"
#include "delivery/memory_budget.h"
#include "telemetry/log.h"

namespace fanout::delivery {
namespace {
constexpr int64_t kMaxSleepMs = 1000;         // the loop wakes at least this often (metrics, stop checks)
constexpr int64_t kMetricsIntervalMs = 1000;  // how often fanout_queue_depth is refreshed
constexpr int kDeliveryNice = 5;              // the delivery thread yields to intake and the spool writer

// The lanes' Transport in the gateway: the delivery thread's one libcurl multi handle.
class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlClient& client) : client_(client) {}
  void start(dest::HttpRequest request, int64_t timeout_ms, Completion done) override {
    client_.start(std::move(request), timeout_ms, std::move(done));
  }

 private:
  CurlClient& client_;
};
}  // namespace

struct Engine::Impl {
  Impl(std::vector<const dest::Destination*> destinations, spool::Spool& spool_ref, telemetry::Metrics& metrics_ref,
       EngineOptions opts)
      : spool(spool_ref), metrics(metrics_ref), options(opts), budget(opts.lane_share, opts.shared_pool) {
    size_t in_flight = 0;
    for (const dest::Destination* d : destinations) {
      if (!d) continue;
      lanes.push_back(
          std::make_unique<Lane>(*d, LaneContext{transport, clock, spool, metrics, budget, {}}, lane_limits(*d)));
      by_name.emplace(lanes.back()->name(), lanes.back().get());
      in_flight += d->options().max_in_flight;
    }
    client.keep_connections(in_flight);
    lease_epoch = spool.lease_epoch();
    depths = std::make_unique<std::atomic<size_t>[]>(lanes.size());
    for (size_t i = 0; i < lanes.size(); ++i) depths[i] = 0;
  }

  LaneLimits lane_limits(const dest::Destination& d) const;
  void run();
  void drain_inbox();
  void publish_depths(int64_t now, bool force);
  void purge_loop();
  void check_replays(int64_t now);

  spool::Spool& spool;
  telemetry::Metrics& metrics;
  EngineOptions options;
  CurlClient client;  // declared before the lanes: they hold references to it, the clock and the budget
  CurlTransport transport{client};
  WallClock clock;      // every "now" of the delivery thread, the lanes' included
  MemoryBudget budget;  // events held in memory, all lanes together
  std::vector<std::unique_ptr<Lane>> lanes;
  std::unordered_map<std::string, Lane*> by_name;
  std::unique_ptr<std::atomic<size_t>[]> depths;  // lanes[i].depth(), readable from any thread
  int64_t next_metrics_ms = 0;
  int64_t replay_generation = -1;  // last seen spool.replay_generation(); -1 = not read yet
  int64_t next_replay_check_ms = 0;
  uint64_t lease_epoch = 0;  // last seen spool.lease_epoch()

  std::mutex mu;  // guards everything down to `started`
  std::vector<Accepted> inbox;
  size_t inbox_events = 0;  // sum of destinations over the inbox: bounded like one lane's queue
  std::unordered_map<std::string, int64_t> first_dropped;  // per destination: lowest seq dropped at the inbox
  bool accepting = true;
  bool started = false;

  std::atomic<bool> stopping{false};
  std::atomic<int64_t> stop_deadline_ms{0};
  std::thread delivery_thread;

  std::mutex purge_mu;
  std::condition_variable purge_cv;
  bool purge_stop = false;
  std::thread purge_thread;
};

LaneLimits Engine::Impl::lane_limits(const dest::Destination& d) const {
  const dest::DeliveryOptions& o = d.options();
  const size_t useful = std::max(options.spool_page, 2 * o.max_in_flight * o.max_batch);
  return LaneLimits{std::min(options.max_queued_per_destination, useful), options.spool_page};
}

void Engine::Impl::drain_inbox() {
  std::vector<Accepted> batch;
  std::unordered_map<std::string, int64_t> dropped;
  {
    std::lock_guard lock(mu);
    batch.swap(inbox);
    inbox_events = 0;
    dropped.swap(first_dropped);
  }
  int64_t now = clock.now_ms();
  for (Accepted& a : batch) {
    for (const std::string& name : a.destinations) {
      auto it = by_name.find(name);
      if (it != by_name.end()) it->second->submit(a.seq, a.event, now);
    }
  }
  for (const auto& [name, seq] : dropped) {
    auto it = by_name.find(name);
    if (it != by_name.end()) it->second->overflow(seq);
  }
}

void Engine::Impl::publish_depths(int64_t now, bool force) {
  for (size_t i = 0; i < lanes.size(); ++i) depths[i].store(lanes[i]->depth(), std::memory_order_relaxed);
  if (!force && now < next_metrics_ms) return;
  next_metrics_ms = now + kMetricsIntervalMs;
  for (const auto& lane : lanes) metrics.queue_depth(lane->name(), static_cast<double>(lane->depth()));
}

void Engine::Impl::run() {
  pthread_setname_np(pthread_self(), "delivery");  // per-thread CPU in top -H and bench/load/run.sh
  // Acknowledgements wait on the intake and spool threads; delivery is batched and lingers anyway. On a
  // small machine a 1000-event envelope build would otherwise take a core from them for milliseconds.
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kDeliveryNice);
  log::Batch log_lines;  // a line per delivery attempt, written together once per loop turn
  for (;;) {
    drain_inbox();
    const int64_t now = clock.now_ms();
    const bool stop = stopping.load();
    // A shared spool: while this node cannot prove it owns its work, it sends nothing new.
    const bool owns = spool.may_send();
    // Read after may_send(): a node allowed to send again after its lease lapsed drops what it held first.
    if (const uint64_t epoch = spool.lease_epoch(); epoch != lease_epoch) {
      lease_epoch = epoch;
      log::Line("delivery_lease_lost", log::Level::warn).num("epoch", static_cast<int64_t>(epoch)).emit();
      for (auto& lane : lanes) lane->forget();
    }
    for (auto& lane : lanes) {
      if (stop) lane->stop();
      if (owns) lane->tick(now);
    }
    publish_depths(now, false);
    check_replays(now);
    if (stop && (client.in_flight() == 0 || now >= stop_deadline_ms.load())) break;
    int64_t wake = now + kMaxSleepMs;
    for (const auto& lane : lanes) wake = std::min(wake, lane->next_wakeup_ms(now));
    if (stop) wake = std::min(wake, stop_deadline_ms.load());
    log_lines.flush();  // before waiting: no line sits unwritten while the thread sleeps
    client.run(static_cast<int>(std::clamp<int64_t>(wake - now, 0, kMaxSleepMs)));
  }
  // Past the deadline: what is still in flight stays pending in the spool and is sent again on restart.
  size_t abandoned = client.in_flight();
  client.abort_all();
  publish_depths(clock.now_ms(), true);
  log::Line("delivery_stopped").num("abandoned_requests", static_cast<int64_t>(abandoned)).emit();
}

// `fanout dlq replay` may run beside the gateway: a changed replay counter means some dead letters are
// pending again, below every lane's cursor, so each lane re-reads its pending work.
void Engine::Impl::check_replays(int64_t now) {
  constexpr int64_t kReplayCheckMs = 2000;
  if (now < next_replay_check_ms) return;
  next_replay_check_ms = now + kReplayCheckMs;
  auto generation = spool.replay_generation();
  if (!generation) return;
  if (replay_generation >= 0 && *generation != replay_generation) {
    log::Line("dead_letters_replayed").num("generation", *generation).emit();
    for (auto& lane : lanes) lane->rescan();
  }
  replay_generation = *generation;
}

void Engine::Impl::purge_loop() {
  pthread_setname_np(pthread_self(), "purge");
  std::unique_lock lock(purge_mu);
  while (!purge_stop) {
    lock.unlock();
    auto purged = spool.purge(clock.now_ms() - options.retention_ms);
    if (!purged) {
      log::Line("spool_purge_failed", log::Level::error).str("error", purged.error().message).emit();
    } else if (*purged > 0) {
      log::Line("spool_purged").num("events", *purged).emit();
    }
    lock.lock();
    purge_cv.wait_for(lock, std::chrono::milliseconds(options.purge_interval_ms), [&] { return purge_stop; });
  }
}

Engine::Engine(std::vector<const dest::Destination*> destinations, spool::Spool& spool, telemetry::Metrics& metrics,
               EngineOptions options)
    : impl_(std::make_unique<Impl>(std::move(destinations), spool, metrics, options)) {}

Engine::~Engine() {
  stop(std::chrono::milliseconds(0));
}

void Engine::start() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->started || !impl_->accepting) return;
    impl_->started = true;
  }
  std::string names = "[";
  for (const auto& lane : impl_->lanes) {
    if (names.size() > 1) names.push_back(',');
    log::append_json_string(names, lane->name());
  }
  names.push_back(']');
  log::Line("delivery_started").raw("destinations", names).emit();
  impl_->delivery_thread = std::thread([this] { impl_->run(); });
  if (impl_->options.purge_interval_ms > 0) impl_->purge_thread = std::thread([this] { impl_->purge_loop(); });
}

void Engine::submit(std::vector<Accepted> events) {
  bool wake;
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->accepting) return;  // stopping: the events stay pending in the spool for the next start
    // Whoever finds the inbox empty wakes the delivery thread; later submits before it drains need not
    // (each wakeup is a syscall here and a loop turn there).
    wake = impl_->inbox.empty() && impl_->first_dropped.empty();
    for (Accepted& a : events) {
      if (impl_->inbox_events + a.destinations.size() > impl_->options.max_queued_per_destination) {
        // The delivery thread is not keeping up: leave the event in the spool, the lanes will read it back.
        for (const std::string& name : a.destinations) {
          auto [it, fresh] = impl_->first_dropped.emplace(name, a.seq);
          if (!fresh) it->second = std::min(it->second, a.seq);
        }
        continue;
      }
      impl_->inbox_events += a.destinations.size();
      impl_->inbox.push_back(std::move(a));
    }
  }
  if (wake) impl_->client.wakeup();
}

void Engine::stop(std::chrono::milliseconds deadline) {
  bool was_started;
  {
    std::lock_guard lock(impl_->mu);
    was_started = impl_->started && impl_->accepting;
    impl_->accepting = false;
  }
  if (!was_started) return;
  impl_->stop_deadline_ms = impl_->clock.now_ms() + std::max<int64_t>(deadline.count(), 0);
  impl_->stopping = true;
  impl_->client.wakeup();
  if (impl_->delivery_thread.joinable()) impl_->delivery_thread.join();
  {
    std::lock_guard lock(impl_->purge_mu);
    impl_->purge_stop = true;
  }
  impl_->purge_cv.notify_all();
  if (impl_->purge_thread.joinable()) impl_->purge_thread.join();
}

std::map<std::string, size_t> Engine::queue_depths() const {
  std::map<std::string, size_t> out;
  for (size_t i = 0; i < impl_->lanes.size(); ++i)
    out[impl_->lanes[i]->name()] = impl_->depths[i].load(std::memory_order_relaxed);
  return out;
}

}  // namespace fanout::delivery
