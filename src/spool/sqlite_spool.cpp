#include "spool/sqlite_spool.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <type_traits>
#include <utility>

#include "core/clock.h"
#include "telemetry/log.h"

namespace fanout::spool {
namespace {

// Events deleted per purge transaction: small enough that enqueues queued meanwhile wait only briefly.
constexpr size_t kPurgeChunk = 2000;
// Rough per-row overhead (vectors, strings, callbacks) added to the payload when sizing the queue.
constexpr size_t kRowOverhead = 96;
// Most delivery-state updates in one transaction: about a millisecond of writer time, so an enqueue
// arriving meanwhile waits at most that long for its own commit; a 1000-event batch result is spread
// over a few transactions.
constexpr size_t kUpdatesPerGroup = 512;

size_t enqueue_bytes(const std::vector<NewEvent>& events) {
  size_t bytes = 0;
  for (const auto& e : events) {
    bytes += kRowOverhead + e.event_id.size() + e.payload.size();
    for (const auto& d : e.deliveries)
      bytes += kRowOverhead + d.destination.size() + d.reason.size() + d.last_error.size();
  }
  return bytes;
}

size_t update_bytes(const DeliveryUpdate& u) {
  return kRowOverhead + u.destination.size() + u.reason.size() + u.last_error.size() +
         (u.attempt ? sizeof(Attempt) + u.attempt->error.size() : 0);
}

tl::unexpected<Error> closed_error() {
  return fail("unavailable", "spool is closed");
}

}  // namespace

SqliteSpool::SqliteSpool(SqliteOptions options) : options_(std::move(options)) {}

SqliteSpool::~SqliteSpool() {
  close();
}

Status SqliteSpool::start() {
  if (options_.path.empty()) return fail("unavailable", "spool path is empty");
  // Fault injection from outside (integration tests, drills): the first N group commits fail like a full disk.
  if (const char* n = std::getenv("FANOUT_DEBUG_FAIL_SPOOL_COMMITS"); n && *n) writer_.fail_next_commits(std::atoi(n));
  if (auto s = writer_.open(options_.path, options_.idempotency_ms); !s) return s;
  if (auto s = reader_.open(options_.path); !s) return s;
  if (auto s = delivery_reader_.open(options_.path); !s) return s;
  if (auto s = console_reader_.open(options_.path); !s) return s;
  // Holding mu_ while spawning: the thread's first step locks mu_, so it sees writer_id_ set.
  std::lock_guard lock(mu_);
  writer_thread_ = std::thread([this] { run_writer(); });
  writer_id_ = writer_thread_.get_id();
  return {};
}

void SqliteSpool::enqueue(std::vector<NewEvent> events, EnqueueDone done) {
  const size_t bytes = enqueue_bytes(events);
  const size_t items = std::max<size_t>(events.size(), 1);
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      // Refusing rather than waiting: the caller is an HTTP handler and a 503 lets the CRM retry later.
      if (queued_bytes_ + bytes > options_.max_queue_bytes) {
        queue_.push_back(
            Queued{RejectOp{Error{"unavailable", "spool write queue is full", ""}, std::move(done)}, 0, 1});
      } else {
        queue_.push_back(Queued{EnqueueOp{std::move(events), std::move(done)}, bytes, items, updates_pushed_});
        queued_bytes_ += bytes;
      }
      work_cv_.notify_one();
      return;
    }
  }
  done(closed_error());
}

void SqliteSpool::update(std::vector<DeliveryUpdate> updates) {
  if (updates.empty()) return;
  size_t bytes = 0;
  for (const auto& u : updates) bytes += update_bytes(u);
  std::unique_lock lock(mu_);
  // Updates are never dropped while open, so the sender waits for space instead (backpressure on
  // delivery). The writer thread itself must not wait for its own queue to drain.
  if (!on_writer_thread()) {
    space_cv_.wait(lock,
                   [&] { return stopping_ || updates_.empty() || update_bytes_ + bytes <= options_.max_update_bytes; });
  }
  // After close() starts, state changes are dropped: those deliveries stay pending and resume after
  // restart (at-least-once), which is what a crash at this point would do too.
  if (stopping_) return;
  for (auto& u : updates) updates_.push_back(std::move(u));
  updates_pushed_ += updates.size();
  update_bytes_ += bytes;
  work_cv_.notify_one();
}

Result<std::optional<EventStatus>> SqliteSpool::lookup(const std::string& event_id) {
  std::lock_guard lock(read_mu_);
  if (!reader_.is_open()) return closed_error();
  return reader_.lookup(event_id, writer_.recent_ids());
}

Result<std::vector<PendingDelivery>> SqliteSpool::load_pending(const std::string& destination, int64_t after_seq,
                                                               size_t limit) {
  std::lock_guard lock(delivery_read_mu_);
  if (!delivery_reader_.is_open()) return closed_error();
  return delivery_reader_.load_pending(destination, after_seq, limit);
}

Result<std::vector<DeadLetter>> SqliteSpool::dead_letters(const std::string& destination, const std::string& event_id,
                                                          size_t limit) {
  std::lock_guard lock(read_mu_);
  if (!reader_.is_open()) return closed_error();
  return reader_.dead_letters(destination, event_id, limit);
}

Result<int64_t> SqliteSpool::replay_generation() {
  std::lock_guard lock(delivery_read_mu_);
  if (!delivery_reader_.is_open()) return closed_error();
  return delivery_reader_.replay_generation();
}

Result<int64_t> SqliteSpool::replay(const std::string& destination, const std::string& event_id) {
  ReplayOp op{destination, event_id, {}};
  auto result = op.result.get_future();
  return run_admin(std::move(op), std::move(result));
}

Result<int64_t> SqliteSpool::purge(int64_t cutoff_ms) {
  PurgeOp op;
  op.cutoff_ms = cutoff_ms;
  auto result = op.result.get_future();
  return run_admin(std::move(op), std::move(result));
}

Result<int64_t> SqliteSpool::run_admin(Op op, std::future<Result<int64_t>> result) {
  if (on_writer_thread()) {  // e.g. from an enqueue callback: the writer is between transactions
    if (auto* replay = std::get_if<ReplayOp>(&op)) run_replay(*replay);
    if (auto* purge = std::get_if<PurgeOp>(&op)) {
      while (!run_purge_chunk(*purge)) {
      }
    }
    return result.get();
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_) return closed_error();
    queue_.push_back(Queued{std::move(op), 0, 1});
    work_cv_.notify_one();
  }
  return result.get();
}

bool SqliteSpool::writable() {
  return !closed_ && last_commit_ok_ && !over_size_;
}

void SqliteSpool::close() {
  std::lock_guard close_lock(close_mu_);
  if (closed_) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  space_cv_.notify_all();
  // From a callback on the writer thread we cannot join ourselves: the writer drains and exits on its
  // own, and the destructor (necessarily on another thread) joins it.
  if (on_writer_thread()) return;
  if (writer_thread_.joinable()) writer_thread_.join();
  writer_.close();
  {
    std::lock_guard lock(read_mu_);
    reader_.close();
  }
  {
    std::lock_guard lock(delivery_read_mu_);
    delivery_reader_.close();
  }
  {
    std::lock_guard lock(console_mu_);
    console_reader_.close();
  }
  closed_ = true;
}

Result<std::vector<StoredEvent>> SqliteSpool::recent_events(int64_t after_seq, size_t limit) {
  std::lock_guard lock(console_mu_);
  if (!console_reader_.is_open()) return closed_error();
  return console_reader_.recent_events(after_seq, limit);
}

Result<std::optional<StoredEvent>> SqliteSpool::find_event(const std::string& event_id) {
  // On the status reader, not the console's: finding an id takes the writer's recent ids (recent_ids.h).
  std::lock_guard lock(read_mu_);
  if (!reader_.is_open()) return closed_error();
  return reader_.find_event(event_id, writer_.recent_ids());
}

Result<std::vector<SeqDelivery>> SqliteSpool::delivery_states(int64_t from_seq, int64_t to_seq) {
  std::lock_guard lock(console_mu_);
  if (!console_reader_.is_open()) return closed_error();
  return console_reader_.delivery_states(from_seq, to_seq);
}

Result<std::vector<AttemptEntry>> SqliteSpool::attempts(int64_t seq) {
  std::lock_guard lock(console_mu_);
  if (!console_reader_.is_open()) return closed_error();
  return console_reader_.attempts(seq);
}

Result<std::vector<StateCount>> SqliteSpool::state_counts() {
  std::lock_guard lock(console_mu_);
  if (!console_reader_.is_open()) return closed_error();
  return console_reader_.state_counts();
}

void SqliteSpool::take_group(std::vector<Queued>& group, std::vector<DeliveryUpdate>& updates) {
  auto is_admin = [](const Queued& q) {
    return std::holds_alternative<ReplayOp>(q.op) || std::holds_alternative<PurgeOp>(q.op);
  };
  // An admin op runs alone, once the updates queued before it are applied (a replay must see the
  // failures reported before it was asked for).
  if (!queue_.empty() && is_admin(queue_.front()) && updates_.empty()) {
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
    return;
  }
  while (!updates_.empty() && updates.size() < kUpdatesPerGroup) {
    update_bytes_ -= update_bytes(updates_.front());
    updates.push_back(std::move(updates_.front()));
    updates_.pop_front();
    ++updates_taken_;
  }
  auto is_waiting_barrier = [&](const Queued& q) {
    const auto* e = std::get_if<EnqueueOp>(&q.op);
    return e != nullptr && e->events.empty() && q.after_updates > updates_taken_;
  };
  size_t items = 0;
  while (!queue_.empty() && !is_admin(queue_.front()) && !is_waiting_barrier(queue_.front()) &&
         (group.empty() || items + queue_.front().items <= options_.max_group)) {
    items += queue_.front().items;
    queued_bytes_ -= queue_.front().bytes;
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void SqliteSpool::run_writer() {
  // Named so `top -H` / perf tell it apart from the intake and delivery threads.
  pthread_setname_np(pthread_self(), "spool-writer");
  const auto retry = std::chrono::milliseconds(std::max<int64_t>(options_.fault_retry_ms, 1));
  for (;;) {
    std::vector<Queued> group;
    std::vector<DeliveryUpdate> updates;
    bool probe = false;
    {
      std::unique_lock lock(mu_);
      if (last_commit_ok_) {
        work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || !updates_.empty(); });
      } else {
        // Writes fail: held-back outcomes are retried on a timer, not in a hot loop; enqueues still try at once.
        work_cv_.wait_for(lock, retry, [&] { return stopping_ || !queue_.empty(); });
      }
      if (queue_.empty() && updates_.empty()) {
        if (stopping_) return;  // stopping and drained
        probe = !last_commit_ok_;
      } else {
        take_group(group, updates);
      }
    }
    space_cv_.notify_all();
    if (probe) {
      probe_writable();
      continue;
    }
    if (group.empty() && updates.empty()) continue;
    auto* replay = group.empty() ? nullptr : std::get_if<ReplayOp>(&group.front().op);
    auto* purge = group.empty() ? nullptr : std::get_if<PurgeOp>(&group.front().op);
    if (replay != nullptr) {
      run_replay(*replay);
    } else if (purge != nullptr) {
      if (!run_purge_chunk(*purge)) {
        // Unfinished: back of the queue, so enqueues that arrived meanwhile commit first.
        std::lock_guard lock(mu_);
        queue_.push_back(std::move(group.front()));
      }
    } else {
      run_group(group, updates);
      // Between groups: one chunk of the id merge at a time, so enqueues never wait for a whole merge.
      // A failure (the disk's) is left to the groups to report; the merge is tried again after the next.
      if (last_commit_ok_ && writer_.merge_due()) (void)writer_.merge_step();
    }
  }
}

void SqliteSpool::probe_writable() {
  if (auto bytes = writer_.live_bytes()) over_size_ = *bytes > options_.max_bytes;
  note_commit(writer_.probe());
}

void SqliteSpool::note_commit(const Status& status) {
  // Only the writer thread changes the flag. A change is reported before writable() shows it, so whoever
  // sees writes fail or work again also finds the fault event that says so.
  if (last_commit_ok_.load() == status.has_value()) return;
  if (options_.on_fault) {
    SpoolFault fault;
    fault.kind = status ? SpoolFault::Kind::write_recovered : SpoolFault::Kind::write_failed;
    fault.detail = status ? "writes succeed again" : status.error().message;
    {
      std::lock_guard lock(mu_);
      fault.held_outcomes = updates_.size();
    }
    options_.on_fault(fault);
  }
  last_commit_ok_.store(status.has_value());
}

void SqliteSpool::run_group(std::vector<Queued>& group, std::vector<DeliveryUpdate>& updates) {
  // Size checked once per group (three cheap pragmas), not per event.
  bool over = false;
  int64_t live = 0;
  if (auto bytes = writer_.live_bytes()) {
    live = *bytes;
    over = live > options_.max_bytes;
    live_bytes_ = live;
  }
  over_size_ = over;

  // Every op left in a group is an enqueue (a barrier is an empty one) or a reject.
  bool acks = false;
  for (const auto& q : group) acks = acks || std::holds_alternative<EnqueueOp>(q.op);
  const bool writes = acks || !updates.empty();

  std::vector<Result<EnqueueResult>> results(group.size());
  Status txn;
  // A group that acknowledges something (an enqueue or a barrier) is fsynced before its callbacks run.
  // Delivery-state updates alone commit without an fsync: a process crash loses none of them (the WAL
  // is in the OS), a power loss may lose the last few, which re-delivers those events (at-least-once;
  // platforms dedupe by event id), and the next full commit's fsync of the same WAL makes them durable.
  // Updates outnumber enqueues five to one (BM_SpoolLifecycle: 13 fsyncs per 1000 events before, 3.5 after).
  if (writes) txn = writer_.begin(acks ? Writer::Sync::full : Writer::Sync::normal);
  const int64_t now = now_ms();
  for (size_t i = 0; i < group.size() && txn; ++i) {
    auto* e = std::get_if<EnqueueOp>(&group[i].op);
    if (e == nullptr) continue;
    if (over) {
      results[i] = fail("unavailable", "spool is full: live size " + std::to_string(live) +
                                           " bytes exceeds spool.max_bytes " + std::to_string(options_.max_bytes));
      continue;
    }
    results[i] = writer_.enqueue(e->events);
    // A failed write poisons the group: rolling it all back is what keeps each enqueue all-or-nothing.
    if (writer_.aborted()) {
      txn = results[i] ? fail("unavailable", "spool: write failed: " + writer_.last_error())
                       : tl::unexpected(results[i].error());
    }
  }
  if (txn && !updates.empty()) {
    writer_.update(updates, now);
    if (writer_.aborted()) txn = fail("unavailable", "spool: write failed: " + writer_.last_error());
  }
  if (writes) {
    if (txn)
      txn = writer_.commit();
    else
      writer_.rollback();
  }
  if (!txn && !updates.empty()) hold_back(updates, txn.error().message);
  if (writes) note_commit(txn);

  // The callbacks answer their requests, each with a log line: a group's lines leave in one write().
  log::Batch lines;
  for (size_t i = 0; i < group.size(); ++i) {
    if (auto* e = std::get_if<EnqueueOp>(&group[i].op)) {
      e->done(txn ? std::move(results[i]) : Result<EnqueueResult>(tl::unexpected(txn.error())));
    } else if (auto* r = std::get_if<RejectOp>(&group[i].op)) {
      r->done(tl::unexpected(r->error));
    }
  }
}

void SqliteSpool::hold_back(std::vector<DeliveryUpdate>& updates, const std::string& why) {
  // Outcomes are never dropped for a failed write: they go back to the front of the queue, in order, and
  // are retried every fault_retry_ms until they are written. Barriers queued behind them wait too.
  size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      dropped = updates.size();  // closing: one try was made; they stay pending on disk and are sent again
    } else {
      for (auto it = updates.rbegin(); it != updates.rend(); ++it) {
        update_bytes_ += update_bytes(*it);
        updates_.push_front(std::move(*it));
      }
      updates_taken_ -= updates.size();
    }
  }
  if (dropped > 0 && options_.on_fault)
    options_.on_fault(SpoolFault{SpoolFault::Kind::outcomes_dropped,
                                 "closing while writes fail; those deliveries stay pending and are sent again after "
                                 "restart: " + why,
                                 dropped});
}

void SqliteSpool::run_replay(ReplayOp& op) {
  op.result.set_value(writer_.replay(op.destination, op.event_id, now_ms()));
}

bool SqliteSpool::run_purge_chunk(PurgeOp& op) {
  bool finished = false;
  auto deleted = writer_.purge_chunk(op.cutoff_ms, kPurgeChunk, &op.after_seq, &finished);
  if (!deleted) {
    op.result.set_value(tl::unexpected(deleted.error()));
    return true;
  }
  op.deleted += *deleted;
  if (!finished) return false;
  // Purge is what frees space, so it re-evaluates the size limit (readiness) without waiting for a write.
  if (auto bytes = writer_.live_bytes()) {
    over_size_ = *bytes > options_.max_bytes;
    live_bytes_ = *bytes;
  }
  op.result.set_value(op.deleted);
  return true;
}

Result<std::unique_ptr<Spool>> open_sqlite(const SqliteOptions& options) {
  auto spool = std::make_unique<SqliteSpool>(options);
  if (auto s = spool->start(); !s) return tl::unexpected(s.error());
  return std::unique_ptr<Spool>(std::move(spool));
}

}  // namespace fanout::spool
