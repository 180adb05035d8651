#include "delivery/lane.h"

#include <algorithm>
#include <limits>
#include <span>
#include <utility>

#include "core/event_codec.h"
#include "delivery/attempt_log.h"
#include "delivery/backoff.h"
#include "telemetry/log.h"

namespace fanout::delivery {
namespace {
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int64_t kSweepIntervalMs = 1000;  // how often queued events are checked for a closed window
constexpr int64_t kBacklogRetryMs = 1000;   // wait after a failed spool read
constexpr int64_t kBacklogRecheckMs = 20;   // wait before re-reading a short page that missed an ignored event
constexpr size_t kMaxReasonBytes = 300;     // reasons go to the spool and logs: keep them short

std::string clip(std::string s) {
  if (s.size() > kMaxReasonBytes) s.resize(kMaxReasonBytes);
  return s;
}
}  // namespace

Lane::Lane(const dest::Destination& destination, LaneContext context, LaneLimits limits)
    : dest_(destination),
      opt_(destination.options()),
      ctx_(std::move(context)),
      limits_(limits),
      name_(destination.name()),
      window_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(destination.window()).count()),
      rng_(std::random_device{}()),
      auth_(destination.oauth(), name_, opt_, ctx_.transport, ctx_.clock, [this] { return uniform(); }) {
  limits_.max_queued = std::max<size_t>(limits_.max_queued, 1);
  limits_.spool_page = std::max<size_t>(limits_.spool_page, 1);
  refill_ = std::max<size_t>(std::min(limits_.spool_page, limits_.max_queued) / 2, 1);
}

double Lane::uniform() {
  if (ctx_.uniform) return ctx_.uniform();
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

Lane::Item Lane::make_item(int64_t seq, std::shared_ptr<const Event> event, int attempts, int64_t now_ms) const {
  Item item;
  item.seq = seq;
  item.window_end_ms =
      event->event_time * 1000 + std::chrono::duration_cast<std::chrono::milliseconds>(dest_.window_for(*event)).count();
  item.event = std::move(event);
  item.attempts = attempts;
  item.failures = attempts;  // from the spool: every past attempt may have failed, so back off as if it had
  item.ready_since_ms = now_ms;
  return item;
}

void Lane::submit(int64_t seq, std::shared_ptr<const Event> event, int64_t now_ms) {
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

void Lane::overflow(int64_t first_dropped_seq) {
  enter_backlog(first_dropped_seq);
}

void Lane::rescan() {
  backlog_ = true;
  cursor_ = 0;
  backlog_retry_at_ = 0;
}

void Lane::forget() {
  for (Item& item : ready_) release(item.seq);
  ready_.clear();
  for (auto& [at, item] : delayed_) release(item.seq);
  delayed_.clear();
  for (Batch& batch : forced_)
    for (Item& item : batch.items) release(item.seq);
  forced_.clear();
  for (auto& flight : built_)
    for (Item& item : flight->items) release(item.seq);
  built_.clear();
  ++epoch_;
  rescan();
}

void Lane::leave_to_spool(const std::vector<Item>& items) {
  for (const Item& item : items) leave_to_spool(item);
}

void Lane::leave_to_spool(const Item& item) {
  release(item.seq);
  backlog_ = true;
  cursor_ = std::min(cursor_, item.seq - 1);
}

size_t Lane::room() const {
  if (held_.size() >= limits_.max_queued) return 0;
  return std::min(limits_.max_queued - held_.size(), ctx_.budget.room(held_.size()));
}

void Lane::hold(int64_t seq) {
  if (held_.insert(seq).second) ctx_.budget.moved(held_.size() - 1, held_.size());
}

void Lane::release(int64_t seq) {
  if (held_.erase(seq) > 0) ctx_.budget.moved(held_.size() + 1, held_.size());
}

void Lane::enter_backlog(int64_t first_dropped_seq) {
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

bool Lane::worth_reading() const {
  // "Runs low" is half of refill_: a lane short of room because other lanes hold the shared pool would
  // otherwise still top up a few rows per turn while it holds just under refill_ events.
  const size_t r = room();
  return r > 0 && (r >= refill_ || held_.size() < refill_ / 2);
}

void Lane::load_backlog(int64_t now_ms) {
  if (!backlog_ || now_ms < backlog_retry_at_ || !worth_reading()) return;
  const size_t limit = std::min(limits_.spool_page, room());
  auto rows = ctx_.spool.load_pending(name_, cursor_, limit);
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
      updates_.push_back({row.seq, name_, spool::State::failed, "invalid_payload", row.attempts, 0, {}});
      ctx_.metrics.delivery(name_, "failed");
      ctx_.metrics.dead_letters(name_);
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

void Lane::promote_due(int64_t now_ms) {
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

bool Lane::window_closed(Item& item, int64_t now_ms) {
  if (now_ms < item.window_end_ms) return false;
  dead_letter(item, "window_closed" + (item.last_error.empty() ? std::string() : ": " + item.last_error));
  return true;
}

void Lane::sweep_windows(int64_t now_ms) {
  auto closed = [&](Item& item) { return window_closed(item, now_ms); };
  std::deque<Item> keep;
  for (Item& item : ready_)
    if (!closed(item)) keep.push_back(std::move(item));
  ready_.swap(keep);
  for (auto it = delayed_.begin(); it != delayed_.end();) it = closed(it->second) ? delayed_.erase(it) : std::next(it);
  for (Batch& b : forced_) std::erase_if(b.items, closed);
  std::erase_if(forced_, [](const Batch& b) { return b.items.empty(); });
}

std::optional<Lane::Batch> Lane::next_batch(int64_t now_ms) {
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
    std::erase_if(batch.items, [&](Item& item) { return window_closed(item, now_ms); });
    if (!batch.items.empty()) return batch;
  }
}

void Lane::build(Batch batch) {
  const size_t n = batch.items.size();
  std::vector<const Event*> events;
  events.reserve(n);
  for (const Item& item : batch.items) events.push_back(item.event.get());
  std::vector<dest::Request> requests = dest_.build(std::span<const Event* const>(events), auth_.auth());
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
    flight->token_generation = auth_.generation();
    flight->epoch = epoch_;
    for (size_t i : request.indices) {
      taken[i] = true;
      flight->items.push_back(std::move(batch.items[i]));
    }
    flight->request = std::move(request);
    built_.push_back(std::move(flight));
  }
  for (size_t i = 0; i < n; ++i)
    if (!taken[i]) dead_letter(batch.items[i], "build_failed");
}

void Lane::send(std::shared_ptr<Flight> flight) {
  if (auth_.needed() && flight->token_generation != auth_.generation()) {
    // Built with a token that has since been replaced: build again with the current one.
    forced_.push_front(Batch{std::move(flight->items), flight->after_refresh});
    return;
  }
  ++in_flight_;
  dest::HttpRequest http = std::move(flight->request.http);
  ctx_.transport.start(std::move(http), opt_.timeout_ms,
                       [this, flight](dest::HttpRequest&& request, dest::HttpResponse&& response, double latency_s) {
                         flight->request.http = std::move(request);
                         on_response(flight, std::move(response), latency_s);
                       });
}

void Lane::tick(int64_t now_ms) {
  // Hands the spool what the completions since the last tick decided: one update() per lane and loop
  // turn instead of one per response (GA4 has a response per event), so the spool writer is woken less.
  if (stopped_) {
    flush();
    return;
  }
  load_backlog(now_ms);
  promote_due(now_ms);
  if (now_ms >= sweep_at_) {
    sweep_windows(now_ms);
    sweep_at_ = now_ms + kSweepIntervalMs;
  }
  if (now_ms >= paused_until_) {
    while (in_flight_ < opt_.max_in_flight && has_sendable()) {
      if (!auth_.ready(now_ms)) break;
      if (!built_.empty()) {
        auto flight = std::move(built_.front());
        built_.pop_front();
        send(std::move(flight));
        continue;
      }
      auto batch = next_batch(now_ms);
      if (!batch) break;
      build(std::move(*batch));
    }
  }
  flush();
}

int64_t Lane::next_wakeup_ms(int64_t now_ms) const {
  if (stopped_) return kNever;
  int64_t at = kNever;
  // Without room, the lane waits for its own completions or for another lane to give back to the pool
  // (both run a loop turn).
  if (backlog_ && worth_reading()) at = std::max(now_ms, backlog_retry_at_);
  if (!delayed_.empty()) at = std::min(at, delayed_.begin()->first);
  if (!held_.empty()) at = std::min(at, sweep_at_);
  if (in_flight_ >= opt_.max_in_flight || !has_sendable()) return at;
  if (now_ms < paused_until_) return std::min(at, paused_until_);
  if (!auth_.valid(now_ms)) return std::min(at, auth_.retry_at_ms(now_ms));
  if (!built_.empty() || !forced_.empty()) return now_ms;
  if (batch_full()) return now_ms;
  return std::min(at, ready_.front().ready_since_ms + opt_.linger_ms);
}

void Lane::on_response(const std::shared_ptr<Flight>& flight, dest::HttpResponse&& response, double latency_s) {
  --in_flight_;
  const int64_t now = ctx_.clock.now_ms();
  ctx_.metrics.attempt_latency(name_, latency_s);
  std::vector<Item>& items = flight->items;
  AttemptRecord record;
  record.destination = name_;
  record.http_status = response.status;
  record.latency_ms = latency_s * 1000.0;
  for (Item& item : items) {
    record.attempt = std::max(record.attempt, ++item.attempts);
    record.event_ids.push_back(item.event->event_id);
  }

  dest::Classification c = dest_.classify(flight->request, response);
  if (c.events.size() != items.size())
    log::Line("destination_classify_invalid", log::Level::error).str("destination", name_).emit();
  const bool can_refresh = auth_.refreshable() && !flight->after_refresh;
  const bool current = flight->epoch == epoch_;  // false: sent before forget(), nothing of it is kept
  const Verdict verdict = decide(response, std::move(c), items.size(), can_refresh, now);
  for (const dest::EventResult& e : verdict.events) {
    if (e.outcome == dest::Outcome::delivered) continue;
    record.error = e.reason;  // the first reason of an event not delivered
    break;
  }

  switch (verdict.action) {
    case Verdict::Action::refresh_auth:
      record.outcome = "refresh_auth";
      log_attempt(record);
      auth_.invalidate(flight->token_generation);
      if (!current) {
        leave_to_spool(items);
        return;
      }
      resend_after_refresh(*flight);
      return;
    case Verdict::Action::split:
      record.outcome = "split";
      log_attempt(record);
      if (!current) {
        leave_to_spool(items);
        return;
      }
      split(*flight);
      return;
    case Verdict::Action::outcomes:
      break;
  }
  const double u = uniform();  // one draw per response: a failed batch comes back as one batch
  if (verdict.pause_lane) pause(verdict.min_wait_ms, u, now);
  const size_t n = items.size();
  const OutcomeCounts counts = apply_outcomes(items, verdict, u, now, response.status, record.latency_ms, current);
  if (counts.delivered > 0 && !verdict.pause_lane) dest_failures_ = 0;
  record.outcome = counts.delivered == n ? "delivered"
                   : counts.retried == n ? "retry"
                   : counts.failed == n  ? "failed"
                                         : "partial";
  log_attempt(record);
}

void Lane::resend_after_refresh(Flight& flight) {
  if (stopped_) {  // the events stay pending in the spool as they are
    for (Item& item : flight.items) release(item.seq);
    return;
  }
  forced_.push_front(Batch{std::move(flight.items), true});
}

void Lane::split(Flight& flight) {
  std::vector<Item>& items = flight.items;
  if (stopped_) {
    for (Item& item : items) release(item.seq);
    return;
  }
  const size_t half = items.size() / 2;
  Batch second;
  second.items.assign(std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(half)),
                      std::make_move_iterator(items.end()));
  items.resize(half);
  forced_.push_front(std::move(second));
  forced_.push_front(Batch{std::move(items), false});
}

void Lane::pause(int64_t min_wait_ms, double u, int64_t now_ms) {
  const int64_t pause =
      std::max(min_wait_ms, full_jitter_ms(u, dest_failures_++, opt_.retry_base_ms, opt_.retry_max_ms));
  paused_until_ = std::max(paused_until_, now_ms + pause);
}

Lane::OutcomeCounts Lane::apply_outcomes(std::vector<Item>& items, const Verdict& verdict, double u, int64_t now_ms,
                                         int http_status, double latency_ms, bool keep) {
  OutcomeCounts counts;
  for (size_t i = 0; i < items.size(); ++i) {
    const dest::EventResult& e = verdict.events[i];
    const size_t first_update = updates_.size();  // the updates this event's outcome adds carry the attempt
    switch (e.outcome) {
      case dest::Outcome::delivered:
        delivered(items[i]);
        ++counts.delivered;
        break;
      case dest::Outcome::reject:
        dead_letter(items[i], clip(e.reason));
        ++counts.failed;
        break;
      case dest::Outcome::retry: {
        const int64_t backoff = full_jitter_ms(u, items[i].failures, opt_.retry_base_ms, opt_.retry_max_ms);
        if (retry(std::move(items[i]), clip(e.reason), std::max(verdict.min_wait_ms, backoff), now_ms, keep))
          ++counts.retried;
        else
          ++counts.failed;  // its window closes before any retry could reach the platform
        break;
      }
    }
    for (size_t k = first_update; k < updates_.size(); ++k)
      updates_[k].attempt = spool::Attempt{now_ms, http_status, latency_ms, clip(e.reason)};
  }
  // One increment per response, not per event: a labelled counter lookup costs more than the count.
  if (counts.delivered > 0) ctx_.metrics.delivery(name_, "delivered", static_cast<double>(counts.delivered));
  return counts;
}

void Lane::delivered(Item& item) {
  release(item.seq);
  // Written in place: five per event, and a DeliveryUpdate built aside is four strings and an optional
  // moved into the vector.
  spool::DeliveryUpdate& u = updates_.emplace_back();
  u.seq = item.seq;
  u.destination = name_;
  u.state = spool::State::delivered;
  u.attempts = item.attempts;
}

void Lane::dead_letter(Item& item, std::string reason) {
  release(item.seq);
  updates_.push_back({item.seq, name_, spool::State::failed, clip(std::move(reason)), item.attempts, 0, {}});
  ctx_.metrics.delivery(name_, "failed");
  ctx_.metrics.dead_letters(name_);
}

bool Lane::retry(Item&& item, const std::string& reason, int64_t delay_ms, int64_t now_ms, bool keep) {
  item.failures++;
  item.last_error = reason;
  int64_t at = now_ms + delay_ms;
  if (at >= item.window_end_ms) {  // no attempt could reach the platform in time
    dead_letter(item, "window_closed: " + reason);
    return false;
  }
  updates_.push_back({item.seq, name_, spool::State::pending, {}, item.attempts, at, reason});
  ctx_.metrics.delivery(name_, "retry");
  if (!keep) {
    // Not moved from: the caller's attempt record still points into the item's event.
    leave_to_spool(item);
    return true;
  }
  delayed_.emplace(at, std::move(item));
  return true;
}

void Lane::flush() {
  if (updates_.empty()) return;
  ctx_.spool.update(std::move(updates_));
  updates_.clear();
}

}  // namespace fanout::delivery
