#include "delivery/dispatcher.h"

#include <algorithm>
#include <limits>
#include <span>
#include <utility>

#include "core/clock.h"
#include "core/event_codec.h"
#include "delivery/attempt_log.h"
#include "delivery/backoff.h"
#include "destinations/options.h"
#include "telemetry/log.h"

namespace fanout::delivery {
namespace {
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int64_t kSweepIntervalMs = 1000;  // how often queued events are checked for a closed window
constexpr int64_t kBacklogRetryMs = 1000;   // wait after a failed spool read
constexpr int64_t kBacklogRecheckMs = 20;   // wait before re-reading a short page that missed an ignored event
constexpr size_t kMaxReasonBytes = 300;     // reasons go to the spool and logs: keep them short

// The reason given when a destination's classify() gave none: the destinations' own wording.
std::string describe(const dest::HttpResponse& r) {
  if (r.status == 0) return dest::transport_reason(r);
  return "http_" + std::to_string(r.status);
}

std::string clip(std::string s) {
  if (s.size() > kMaxReasonBytes) s.resize(kMaxReasonBytes);
  return s;
}
}  // namespace

Dispatcher::Dispatcher(const dest::Destination& destination, CurlClient& client, spool::Spool& spool,
                       telemetry::Metrics& metrics, DispatcherLimits limits, MemoryBudget& budget)
    : dest_(destination),
      opt_(destination.options()),
      client_(client),
      spool_(spool),
      metrics_(metrics),
      limits_(limits),
      budget_(budget),
      name_(destination.name()),
      window_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(destination.window()).count()),
      token_(destination.oauth()),
      rng_(std::random_device{}()) {
  limits_.max_queued = std::max<size_t>(limits_.max_queued, 1);
  limits_.spool_page = std::max<size_t>(limits_.spool_page, 1);
  refill_ = std::max<size_t>(std::min(limits_.spool_page, limits_.max_queued) / 2, 1);
}

double Dispatcher::uniform() {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

Dispatcher::Item Dispatcher::make_item(int64_t seq, std::shared_ptr<const Event> event, int attempts,
                                       int64_t now_ms) const {
  Item item;
  item.seq = seq;
  item.window_end_ms = event->event_time * 1000 + window_ms_;
  item.event = std::move(event);
  item.attempts = attempts;
  item.failures = attempts;  // from the spool: every past attempt may have failed, so back off as if it had
  item.ready_since_ms = now_ms;
  return item;
}

void Dispatcher::submit(int64_t seq, std::shared_ptr<const Event> event, int64_t now_ms) {
  if (stopped_ || !event) return;
  if (backlog_) {
    max_ignored_seq_ = std::max(max_ignored_seq_, seq);  // the spool has it: a later page will read it
    return;
  }
  if (held_.count(seq)) return;
  if (room() == 0) {
    enter_backlog(seq);
    return;
  }
  hold(seq);
  cursor_ = std::max(cursor_, seq);
  Item item = make_item(seq, std::move(event), 0, now_ms);
  item.failures = 0;
  ready_.push_back(std::move(item));
}

void Dispatcher::overflow(int64_t first_dropped_seq) {
  enter_backlog(first_dropped_seq);
}

void Dispatcher::rescan() {
  backlog_ = true;
  cursor_ = 0;
  backlog_retry_at_ = 0;
}

size_t Dispatcher::room() const {
  if (held_.size() >= limits_.max_queued) return 0;
  return std::min(limits_.max_queued - held_.size(), budget_.room(held_.size()));
}

void Dispatcher::hold(int64_t seq) {
  if (held_.insert(seq).second) budget_.moved(held_.size() - 1, held_.size());
}

void Dispatcher::release(int64_t seq) {
  if (held_.erase(seq) > 0) budget_.moved(held_.size() + 1, held_.size());
}

void Dispatcher::enter_backlog(int64_t first_dropped_seq) {
  if (!backlog_) {
    log::Line("delivery_backlog", log::Level::warn)
        .str("destination", name_)
        .num("queued", static_cast<int64_t>(held_.size()))
        .emit();
  }
  backlog_ = true;
  // Normally the dropped events all lie past the cursor; should one arrive out of order, read back from it.
  cursor_ = std::min(cursor_, first_dropped_seq - 1);
  max_ignored_seq_ = std::max(max_ignored_seq_, first_dropped_seq);
}

bool Dispatcher::worth_reading() const {
  // "Runs low" is half of refill_: a lane short of room because other lanes hold the shared pool would
  // otherwise still top up a few rows per turn while it holds just under refill_ events.
  const size_t r = room();
  return r > 0 && (r >= refill_ || held_.size() < refill_ / 2);
}

void Dispatcher::load_backlog(int64_t now_ms, Updates& updates) {
  if (!backlog_ || now_ms < backlog_retry_at_ || !worth_reading()) return;
  const size_t limit = std::min(limits_.spool_page, room());
  auto rows = spool_.load_pending(name_, cursor_, limit);
  if (!rows) {
    log::Line("spool_read_failed", log::Level::error)
        .str("destination", name_)
        .str("error", rows.error().message)
        .emit();
    backlog_retry_at_ = now_ms + kBacklogRetryMs;
    return;
  }
  for (spool::PendingDelivery& row : *rows) {
    cursor_ = std::max(cursor_, row.seq);
    if (held_.count(row.seq)) continue;
    auto event = decode_event(row.payload);
    if (!event) {
      // Our own format failed to decode: nothing will ever make it sendable, so dead-letter it visibly.
      log::Line("spool_payload_invalid", log::Level::error).str("destination", name_).num("seq", row.seq).emit();
      updates.push_back({row.seq, name_, spool::State::failed, "invalid_payload", row.attempts, 0, {}});
      metrics_.delivery(name_, "failed");
      metrics_.dead_letters(name_);
      continue;
    }
    hold(row.seq);
    Item item = make_item(row.seq, std::make_shared<const Event>(std::move(*event)), row.attempts, now_ms);
    if (row.next_attempt_at_ms > now_ms) {
      delayed_.emplace(row.next_attempt_at_ms, std::move(item));
    } else {
      ready_.push_back(std::move(item));
    }
  }
  if (rows->size() < limit) {
    if (max_ignored_seq_ <= cursor_)
      backlog_ = false;
    else
      backlog_retry_at_ = now_ms + kBacklogRecheckMs;  // an ignored event is not readable yet: do not spin
  }
}

void Dispatcher::promote_due(int64_t now_ms) {
  std::vector<Item> due;
  while (!delayed_.empty() && delayed_.begin()->first <= now_ms) {
    due.push_back(std::move(delayed_.begin()->second));
    delayed_.erase(delayed_.begin());
  }
  // A due retry has waited long enough: it goes first and does not linger again.
  for (auto it = due.rbegin(); it != due.rend(); ++it) {
    it->ready_since_ms = now_ms - opt_.linger_ms;
    ready_.push_front(std::move(*it));
  }
}

void Dispatcher::sweep_windows(int64_t now_ms, Updates& updates) {
  auto closed = [&](Item& item) {
    if (now_ms < item.window_end_ms) return false;
    dead_letter(item, "window_closed" + (item.last_error.empty() ? std::string() : ": " + item.last_error), updates);
    return true;
  };
  std::deque<Item> keep;
  for (Item& item : ready_)
    if (!closed(item)) keep.push_back(std::move(item));
  ready_.swap(keep);
  for (auto it = delayed_.begin(); it != delayed_.end();) it = closed(it->second) ? delayed_.erase(it) : std::next(it);
  for (Batch& b : forced_) std::erase_if(b.items, closed);
  std::erase_if(forced_, [](const Batch& b) { return b.items.empty(); });
}

bool Dispatcher::ensure_token(int64_t now_ms) {
  if (token_.valid(now_ms)) return true;
  if (!token_fetching_ && now_ms >= token_retry_at_) {
    token_fetching_ = true;
    client_.start(token_.refresh_request(), opt_.timeout_ms,
                  [this](dest::HttpRequest&&, dest::HttpResponse&& r, double) { on_token(std::move(r)); });
  }
  return false;
}

void Dispatcher::on_token(dest::HttpResponse&& response) {
  token_fetching_ = false;
  int64_t now = now_ms();
  Status s = token_.accept(response, now);
  if (s) {
    token_failures_ = 0;
    log::Line("oauth_token_refreshed").str("destination", name_).emit();
    return;
  }
  int64_t delay = full_jitter_ms(uniform(), token_failures_++, opt_.retry_base_ms, opt_.retry_max_ms);
  if (auto it = response.headers.find("retry-after"); it != response.headers.end())
    delay = std::max(delay, parse_retry_after_ms(it->second, now).value_or(0));
  token_retry_at_ = now + delay;
  log::Line("oauth_token_failed", log::Level::warn)
      .str("destination", name_)
      .str("error", s.error().message)
      .num("retry_in_ms", delay)
      .emit();
}

std::optional<Dispatcher::Batch> Dispatcher::next_batch(int64_t now_ms, Updates& updates) {
  for (;;) {
    Batch batch;
    if (!forced_.empty()) {
      batch = std::move(forced_.front());
      forced_.pop_front();
    } else {
      if (ready_.empty()) return std::nullopt;
      bool full = batch_full();
      bool lingered = ready_.front().ready_since_ms + opt_.linger_ms <= now_ms;
      if (!full && !lingered) return std::nullopt;
      size_t n = std::min(std::max<size_t>(opt_.max_batch, 1), ready_.size());
      batch.items.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.items.push_back(std::move(ready_.front()));
        ready_.pop_front();
      }
    }
    std::erase_if(batch.items, [&](Item& item) {
      if (now_ms < item.window_end_ms) return false;
      dead_letter(item, "window_closed" + (item.last_error.empty() ? std::string() : ": " + item.last_error), updates);
      return true;
    });
    if (!batch.items.empty()) return batch;
  }
}

void Dispatcher::build(Batch batch, Updates& updates) {
  const size_t n = batch.items.size();
  std::vector<const Event*> events;
  events.reserve(n);
  for (const Item& item : batch.items) events.push_back(item.event.get());
  std::vector<dest::Request> requests = dest_.build(std::span<const Event* const>(events), token_.auth());
  std::vector<bool> taken(n, false);
  for (dest::Request& request : requests) {
    // The contract: each event in exactly one request. A request breaking it is dropped whole.
    bool sound = !request.indices.empty();
    std::vector<bool> seen(n, false);
    for (size_t i : request.indices) {
      if (i >= n || taken[i] || seen[i])
        sound = false;
      else
        seen[i] = true;
    }
    if (!sound) {
      log::Line("destination_build_invalid", log::Level::error).str("destination", name_).emit();
      continue;
    }
    auto flight = std::make_shared<Flight>();
    flight->after_refresh = batch.after_refresh;
    flight->token_generation = token_.generation();
    for (size_t i : request.indices) {
      taken[i] = true;
      flight->items.push_back(std::move(batch.items[i]));
    }
    flight->request = std::move(request);
    built_.push_back(std::move(flight));
  }
  for (size_t i = 0; i < n; ++i)
    if (!taken[i]) dead_letter(batch.items[i], "build_failed", updates);
}

void Dispatcher::send(std::shared_ptr<Flight> flight) {
  if (token_.needed() && flight->token_generation != token_.generation()) {
    // Built with a token that has since been replaced: build again with the current one.
    forced_.push_front(Batch{std::move(flight->items), flight->after_refresh});
    return;
  }
  ++in_flight_;
  dest::HttpRequest http = std::move(flight->request.http);
  client_.start(std::move(http), opt_.timeout_ms,
                [this, flight](dest::HttpRequest&& request, dest::HttpResponse&& response, double latency_s) {
                  flight->request.http = std::move(request);
                  on_response(flight, std::move(response), latency_s);
                });
}

void Dispatcher::tick(int64_t now_ms) {
  // Hands the spool what the completions since the last tick decided: one update() per lane and loop
  // turn instead of one per response (GA4 has a response per event), so the spool writer is woken less.
  Updates& updates = updates_;
  if (stopped_) {
    flush(updates);
    return;
  }
  load_backlog(now_ms, updates);
  promote_due(now_ms);
  if (now_ms >= sweep_at_) {
    sweep_windows(now_ms, updates);
    sweep_at_ = now_ms + kSweepIntervalMs;
  }
  if (now_ms >= paused_until_) {
    while (in_flight_ < opt_.max_in_flight && has_sendable()) {
      if (!ensure_token(now_ms)) break;
      if (!built_.empty()) {
        auto flight = std::move(built_.front());
        built_.pop_front();
        send(std::move(flight));
        continue;
      }
      auto batch = next_batch(now_ms, updates);
      if (!batch) break;
      build(std::move(*batch), updates);
    }
  }
  flush(updates);
}

int64_t Dispatcher::next_wakeup_ms(int64_t now_ms) const {
  if (stopped_) return kNever;
  int64_t at = kNever;
  // Without room, the lane waits for its own completions or for another lane to give back to the pool
  // (both run a loop turn).
  if (backlog_ && worth_reading()) at = std::max(now_ms, backlog_retry_at_);
  if (!delayed_.empty()) at = std::min(at, delayed_.begin()->first);
  if (!held_.empty()) at = std::min(at, sweep_at_);
  if (in_flight_ >= opt_.max_in_flight || !has_sendable()) return at;
  if (now_ms < paused_until_) return std::min(at, paused_until_);
  if (!token_.valid(now_ms)) return token_fetching_ ? at : std::min(at, std::max(now_ms, token_retry_at_));
  if (!built_.empty() || !forced_.empty()) return now_ms;
  if (batch_full()) return now_ms;
  return std::min(at, ready_.front().ready_since_ms + opt_.linger_ms);
}

void Dispatcher::on_response(const std::shared_ptr<Flight>& flight, dest::HttpResponse&& response, double latency_s) {
  --in_flight_;
  const int64_t now = now_ms();
  metrics_.attempt_latency(name_, latency_s);
  std::vector<Item>& items = flight->items;
  const size_t n = items.size();
  int attempt = 0;
  AttemptRecord record;
  record.destination = name_;
  record.http_status = response.status;
  record.latency_ms = latency_s * 1000.0;
  for (Item& item : items) {
    attempt = std::max(attempt, ++item.attempts);
    record.event_ids.push_back(item.event->event_id);
  }
  record.attempt = attempt;

  dest::Classification c = dest_.classify(flight->request, response);
  if (c.events.size() != n) {
    log::Line("destination_classify_invalid", log::Level::error).str("destination", name_).emit();
    c.events.resize(n, dest::EventResult{dest::Outcome::retry, describe(response)});
  }
  for (dest::EventResult& e : c.events)
    if (e.outcome != dest::Outcome::delivered && e.reason.empty()) e.reason = describe(response);

  // Requests whose events stay pending in the spool as they are (stopping, or resent below).
  auto release_all = [&] {
    for (Item& item : items) release(item.seq);
  };
  if (c.refresh_auth && token_.refreshable() && !flight->after_refresh) {
    record.outcome = "refresh_auth";
    record.error = c.events.empty() ? std::string_view() : std::string_view(c.events.front().reason);
    log_attempt(record);
    token_.invalidate(flight->token_generation);
    if (stopped_)
      release_all();
    else
      forced_.push_front(Batch{std::move(items), true});
    return;
  }
  if (c.split && n > 1) {
    record.outcome = "split";
    record.error = c.events.front().reason;
    log_attempt(record);
    if (stopped_) {
      release_all();
      return;
    }
    Batch second;
    second.items.assign(std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(n / 2)),
                        std::make_move_iterator(items.end()));
    items.resize(n / 2);
    forced_.push_front(std::move(second));
    forced_.push_front(Batch{std::move(items), false});
    return;
  }

  // A 401 left after the one refresh (or with nothing to refresh) is about the destination: retry later.
  const bool force_retry = c.refresh_auth;
  std::optional<int64_t> retry_after;
  if (c.retry_after)
    retry_after = c.retry_after->count();
  else if (auto it = response.headers.find("retry-after"); it != response.headers.end())
    retry_after = parse_retry_after_ms(it->second, now);
  const int64_t min_wait = std::max<int64_t>(retry_after.value_or(0), 0);
  const double u = uniform();

  bool all_retry = true;
  for (const auto& e : c.events) all_retry = all_retry && e.outcome == dest::Outcome::retry;
  // The request as a whole failed (not some rows of an accepted request): hold the lane back too.
  const bool ok_status = response.status >= 200 && response.status < 300;
  const bool transient = response.status == 0 || response.status == 429 || response.status >= 500 || force_retry ||
                         (!ok_status && n > 0 && all_retry);
  if (transient) {
    int64_t pause = std::max(min_wait, full_jitter_ms(u, dest_failures_++, opt_.retry_base_ms, opt_.retry_max_ms));
    paused_until_ = std::max(paused_until_, now + pause);
  }

  Updates& updates = updates_;  // flushed by the next tick()
  size_t n_delivered = 0, n_retry = 0, n_failed = 0;
  for (size_t i = 0; i < n; ++i) {
    const dest::EventResult& e = c.events[i];
    dest::Outcome outcome = force_retry ? dest::Outcome::retry : e.outcome;
    if (record.error.empty() && outcome != dest::Outcome::delivered) record.error = e.reason;
    const size_t first_update = updates.size();  // the updates this event's outcome adds get the attempt
    switch (outcome) {
      case dest::Outcome::delivered:
        delivered(items[i], updates);
        ++n_delivered;
        break;
      case dest::Outcome::reject:
        dead_letter(items[i], clip(e.reason), updates);
        ++n_failed;
        break;
      case dest::Outcome::retry: {
        int64_t delay = std::max(min_wait, full_jitter_ms(u, items[i].failures, opt_.retry_base_ms, opt_.retry_max_ms));
        if (retry(std::move(items[i]), clip(e.reason), delay, now, updates))
          ++n_retry;
        else
          ++n_failed;
        break;
      }
    }
    for (size_t k = first_update; k < updates.size(); ++k)
      updates[k].attempt = spool::Attempt{now, response.status, record.latency_ms, clip(e.reason)};
  }
  // One increment per response, not per event: a labelled counter lookup costs more than the count.
  if (n_delivered > 0) metrics_.delivery(name_, "delivered", static_cast<double>(n_delivered));
  if (n_delivered > 0 && !transient) dest_failures_ = 0;
  record.outcome = n_delivered == n ? "delivered" : n_retry == n ? "retry" : n_failed == n ? "failed" : "partial";
  log_attempt(record);
}

void Dispatcher::delivered(Item& item, Updates& updates) {
  release(item.seq);
  updates.push_back({item.seq, name_, spool::State::delivered, {}, item.attempts, 0, {}});
}

void Dispatcher::dead_letter(Item& item, std::string reason, Updates& updates) {
  release(item.seq);
  updates.push_back({item.seq, name_, spool::State::failed, clip(std::move(reason)), item.attempts, 0, {}});
  metrics_.delivery(name_, "failed");
  metrics_.dead_letters(name_);
}

bool Dispatcher::retry(Item&& item, const std::string& reason, int64_t delay_ms, int64_t now_ms, Updates& updates) {
  item.failures++;
  item.last_error = reason;
  int64_t at = now_ms + delay_ms;
  if (at >= item.window_end_ms) {  // no attempt could reach the platform in time
    dead_letter(item, "window_closed: " + reason, updates);
    return false;
  }
  updates.push_back({item.seq, name_, spool::State::pending, {}, item.attempts, at, reason});
  metrics_.delivery(name_, "retry");
  delayed_.emplace(at, std::move(item));
  return true;
}

void Dispatcher::flush(Updates& updates) {
  if (updates.empty()) return;
  spool_.update(std::move(updates));
  updates.clear();
}

}  // namespace fanout::delivery
