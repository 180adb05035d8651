#pragma once
// One destination's delivery lane: a state machine over its own in-memory queue, batching (max_batch,
// linger_ms), concurrency limit (max_in_flight), backoff and pause, split, window close, memory share,
// OAuth token and backlog cursor into the spool. It is driven by three kinds of events and nothing else:
//   - events arrive: submit() (or overflow()/rescan(), which send it back to the spool);
//   - a response arrives: the completion the lane gave its Transport runs;
//   - time passes: tick(now) does whatever is due; next_wakeup_ms() says when that is.
// Time comes from the Clock it is given and HTTP goes through the Transport it is given, so every rule is
// unit-tested in simulated time (tests/delivery/lane_test.cpp). It runs entirely on the delivery thread
// and shares no state with another destination's lane except the MemoryBudget, so a slow or failing
// platform only ever stalls itself.
//
// Backlog mode: the queue is bounded: at most max_queued events, and only what the MemoryBudget (shared by
// all lanes) leaves room for. A lane starts in backlog mode with cursor 0 and pages pending rows from the
// spool (load_pending, seq > cursor) while ignoring submitted events; it takes submitted events directly
// once a page comes back short and no ignored event lies past the cursor. When the queue overflows it
// drops the newcomers and re-enters backlog mode from the last seq it holds. Pages are read synchronously
// on the delivery thread: one page of at most spool_page rows per lane per tick, and only once there is
// room for half a page (or the lane runs low), which keeps each read a few milliseconds of indexed SQLite
// scan and spreads its cold start over many rows.
//
// What an answer means (retry, pause, split, refresh) is decided by delivery/retry_policy.h; the lane
// applies it. Retries: a transient outcome schedules the event at now + max(requested wait, full jitter of
// retry_base_ms * 2^failures capped at retry_max_ms). One random draw is shared by the events of a response
// so that a failed batch comes back as one batch. A request failing as a whole also pauses the lane's new
// requests for the same kind of delay. A split resends both halves at once and does not count as a failure
// for backoff; neither does the one resend after an OAuth refresh.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/event.h"
#include "delivery/lane_auth.h"
#include "delivery/memory_budget.h"
#include "delivery/retry_policy.h"
#include "delivery/transport.h"
#include "destinations/destination.h"
#include "spool/spool.h"
#include "telemetry/metrics.h"

namespace fanout::delivery {

struct LaneLimits {
  size_t max_queued = 50000;  // events held in memory (queued, waiting for a retry or in flight), >= 1
  size_t spool_page = 2000;   // rows per load_pending() page, >= 1
};

// What a lane works with. Everything referenced outlives the lane.
struct LaneContext {
  Transport& transport;
  const Clock& clock;
  spool::Spool& spool;
  telemetry::Metrics& metrics;
  MemoryBudget& budget;             // shared by all lanes
  std::function<double()> uniform;  // draws in [0, 1) for full jitter; empty = a randomly seeded generator
};

class Lane {
 public:
  Lane(const dest::Destination& destination, LaneContext context, LaneLimits limits);

  // The destination's name ("meta", ...).
  const std::string& name() const { return name_; }

  // A freshly committed event pending for this destination. In backlog mode it is left to the spool reads.
  void submit(int64_t seq, std::shared_ptr<const Event> event, int64_t now_ms);

  // Events from `first_dropped_seq` on were dropped before reaching submit(): read them from the spool.
  void overflow(int64_t first_dropped_seq);

  // Dead letters were re-queued (`fanout dlq replay`): re-read every pending delivery from the start of
  // the spool; events already in memory are skipped by seq.
  void rescan();

  // This node lost its claim on its pending work (a shared spool's lease lapsed: other nodes may own any
  // of it now). Drops every event held in memory that is not in flight and re-reads from the spool
  // (which returns only what this node owns or may claim). The answers of the requests in flight are
  // still recorded (the spool keeps those of rows this node still owns), but their events are not kept
  // for another attempt: they are left to the spool and re-read from it.
  void forget();

  // Does whatever is due at `now_ms` (Unix ms): reads a backlog page, promotes due retries, fetches the
  // token, forms batches and starts requests up to max_in_flight. Also hands the spool every state change
  // decided since the last tick (completions included), even once stopped: call it after completions ran.
  void tick(int64_t now_ms);

  // The earliest Unix ms at which tick() has something to do; INT64_MAX when only a completion can change that.
  int64_t next_wakeup_ms(int64_t now_ms) const;

  // No new requests from now on; completions of the requests in flight are still recorded.
  void stop() { stopped_ = true; }

  // Events held in memory: queued, waiting for a retry or in flight.
  size_t depth() const { return held_.size(); }
  // Requests in flight (token fetches excluded); never above max_in_flight.
  size_t in_flight() const { return in_flight_; }
  // True while the lane reads its queue from the spool instead of taking submitted events.
  bool backlog() const { return backlog_; }
  // No new request before this Unix ms (0 = not paused): the lane backs off after a request failed whole.
  int64_t paused_until_ms() const { return paused_until_; }

 private:
  struct Item {
    int64_t seq = 0;
    std::shared_ptr<const Event> event;
    int attempts = 0;            // HTTP attempts so far, as the spool counts them
    int failures = 0;            // transient failures so far: the backoff exponent
    int64_t ready_since_ms = 0;  // when it became sendable; linger counts from here
    int64_t window_end_ms = 0;   // event_time + window(): past this the platform no longer takes it
    std::string last_error;
  };
  struct Batch {
    std::vector<Item> items;
    bool after_refresh = false;  // a resend after an OAuth refresh: a second 401 is not refreshed again
  };
  struct Flight {
    std::vector<Item> items;  // in request.indices order
    dest::Request request;
    bool after_refresh = false;
    uint64_t token_generation = 0;
    uint64_t epoch = 0;  // the lane's epoch_ when built: an older one was sent before forget()
  };
  using Updates = std::vector<spool::DeliveryUpdate>;

  Item make_item(int64_t seq, std::shared_ptr<const Event> event, int attempts, int64_t now_ms) const;
  void enter_backlog(int64_t first_dropped_seq);
  // Events of a flight sent before forget() that are not final: out of memory, read again from the spool.
  void leave_to_spool(const std::vector<Item>& items);
  void leave_to_spool(const Item& item);
  // How many more events this lane may take into memory now (its own bound and the shared budget).
  size_t room() const;
  void hold(int64_t seq);     // an event enters memory
  void release(int64_t seq);  // an event leaves memory (delivered, dead-lettered, or left to the spool)
  // Whether a backlog read is worth its cost now. Every spool write in between empties the reader's page
  // cache, so each read starts cold: a lane reads once it has room for refill_ events or holds fewer than
  // half that, never a few rows per loop turn (GA4 topping up the ~16 events a turn freed read ~4 pages
  // per event).
  bool worth_reading() const;
  void load_backlog(int64_t now_ms);
  void promote_due(int64_t now_ms);
  void sweep_windows(int64_t now_ms);
  // Dead-letters `item` when its window has closed at `now_ms`.
  bool window_closed(Item& item, int64_t now_ms);

  std::optional<Batch> next_batch(int64_t now_ms);
  void build(Batch batch);
  void send(std::shared_ptr<Flight> flight);

  // A response arrived: logs and counts the attempt, asks the retry policy, applies its verdict.
  void on_response(const std::shared_ptr<Flight>& flight, dest::HttpResponse&& response, double latency_s);
  void resend_after_refresh(Flight& flight);
  void split(Flight& flight);
  void pause(int64_t min_wait_ms, double u, int64_t now_ms);
  struct OutcomeCounts {
    size_t delivered = 0, retried = 0, failed = 0;
  };
  // The one place where a response's per-event outcomes become spool updates (and metrics).
  // `http_status` and `latency_ms` describe the answer; each update made here records them as its attempt.
  OutcomeCounts apply_outcomes(std::vector<Item>& items, const Verdict& verdict, double u, int64_t now_ms,
                               int http_status, double latency_ms, bool keep);
  void delivered(Item& item);  // the caller counts the metric, once per response
  void dead_letter(Item& item, std::string reason);
  // Schedules a retry at now + delay; false when that is past the window (then it is dead-lettered).
  // keep = false (a flight from before forget()): the retry is recorded but the event is left to the spool.
  bool retry(Item&& item, const std::string& reason, int64_t delay_ms, int64_t now_ms, bool keep);

  bool has_sendable() const { return !built_.empty() || !forced_.empty() || !ready_.empty(); }
  // A batch goes without lingering once it is full, or when the lane may take no more events (its memory
  // share is used up while another lane holds the pool): waiting could not fill it, only delay it.
  bool batch_full() const { return ready_.size() >= opt_.max_batch || room() == 0; }
  double uniform();
  void flush();

  const dest::Destination& dest_;
  const dest::DeliveryOptions& opt_;
  LaneContext ctx_;
  LaneLimits limits_;
  std::string name_;
  int64_t window_ms_;
  std::mt19937_64 rng_;
  LaneAuth auth_;  // after rng_: its jitter draws come from uniform()

  std::deque<Item> ready_;                     // sendable, oldest ready_since first
  std::multimap<int64_t, Item> delayed_;       // key: next attempt (Unix ms)
  std::deque<Batch> forced_;                   // sent as is before anything else (split halves, auth resends)
  std::deque<std::shared_ptr<Flight>> built_;  // built, waiting for an in-flight slot
  std::unordered_set<int64_t> held_;           // seq of every event in memory: no duplicates from the spool
  size_t in_flight_ = 0;
  Updates updates_;  // spool state changes decided since the last tick(), which hands them over

  bool backlog_ = true;
  int64_t cursor_ = 0;           // every seq <= cursor_ has been taken into memory or is final
  int64_t max_ignored_seq_ = 0;  // highest seq ignored or dropped while in backlog mode
  int64_t backlog_retry_at_ = 0;
  size_t refill_ = 1;  // half a page (or half the lane's bound): see worth_reading()

  int dest_failures_ = 0;     // consecutive requests that failed whole: the lane's backoff exponent
  int64_t paused_until_ = 0;  // no new request before this (Unix ms)
  int64_t sweep_at_ = 0;
  bool stopped_ = false;
  uint64_t epoch_ = 0;  // forget() calls so far
};

}  // namespace fanout::delivery
