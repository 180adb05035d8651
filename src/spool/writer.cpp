#include "spool/writer.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "spool/schema.h"

namespace fanout::spool {
namespace {

// Commit order and received_at_ms agree up to queueing delay and clock steps; purge stops scanning
// (in seq order) only once it is this far past the cutoff, so a slightly out-of-order event is still found.
constexpr int64_t kPurgeScanSlackMs = 3600 * 1000;

int state_code(State s) {
  switch (s) {
    case State::pending:
      return kStatePending;
    case State::delivered:
      return kStateDelivered;
    case State::failed:
      return kStateFailed;
    case State::skipped:
      return kStateSkipped;
  }
  return kStatePending;
}

// Runs a statement that returns no rows and resets it.
Status run(sqlite3* db, Stmt& stmt, const char* what) {
  int rc = stmt.step();
  stmt.reset();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return db_error(db, what);
  return {};
}

}  // namespace

Status Writer::open(const std::string& path, int64_t idempotency_ms) {
  idempotency_ms_ = idempotency_ms;
  if (auto s = open_writer(db_, path); !s) return s;
  sqlite3* db = db_.get();
  struct Def {
    Stmt* stmt;
    const char* sql;
  };
  const Def defs[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      // max() with the table guards against a meta row left behind by an older copy of the file.
      {&read_next_seq_,
       "SELECT max((SELECT value FROM meta WHERE key = 'next_seq'), (SELECT ifnull(max(seq), 0) + 1 FROM events))"},
      {&write_next_seq_, "UPDATE meta SET value = ?1 WHERE key = 'next_seq'"},
      {&page_count_, "PRAGMA page_count"},
      {&freelist_count_, "PRAGMA freelist_count"},
      {&insert_event_,
       "INSERT INTO events(seq, event_id, received_at_ms, payload) VALUES(?1, ?2, ?3, ?4) "
       "ON CONFLICT(event_id) DO NOTHING"},
      {&find_event_, "SELECT seq, received_at_ms FROM events WHERE event_id = ?1"},
      {&has_pending_, "SELECT 1 FROM deliveries WHERE seq = ?1 AND state = 0 LIMIT 1"},
      {&insert_delivery_,
       "INSERT INTO deliveries(seq, destination, state, reason, attempts, updated_at_ms, next_attempt_at_ms, "
       "last_error) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&update_delivery_,
       "UPDATE deliveries SET state = ?3, reason = ?4, attempts = ?5, updated_at_ms = ?6, next_attempt_at_ms = ?7, "
       "last_error = ?8 WHERE seq = ?1 AND destination = ?2"},
      {&delete_deliveries_, "DELETE FROM deliveries WHERE seq = ?1"},
      {&delete_event_, "DELETE FROM events WHERE seq = ?1"},
      {&replay_,
       "UPDATE deliveries SET state = 0, reason = '', attempts = 0, next_attempt_at_ms = 0, last_error = '', "
       "updated_at_ms = ?3 WHERE state = 2 AND (?1 = '' OR destination = ?1) "
       "AND (?2 = '' OR seq IN (SELECT seq FROM events WHERE event_id = ?2))"},
      {&bump_replays_,
       "INSERT INTO meta(key, value) VALUES('replays', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1"},
      {&purge_scan_, "SELECT seq, received_at_ms FROM events WHERE seq > ?1 ORDER BY seq"},
  };
  for (const auto& d : defs) {
    auto stmt = Stmt::prepare(db, d.sql);
    if (!stmt) return tl::unexpected(stmt.error());
    *d.stmt = std::move(*stmt);
  }
  auto page_size = Stmt::prepare(db, "PRAGMA page_size");
  if (!page_size) return tl::unexpected(page_size.error());
  if (page_size->step() == SQLITE_ROW) page_size_ = page_size->int64(0);
  return {};
}

void Writer::close() {
  for (Stmt* s : {&begin_, &commit_, &rollback_, &read_next_seq_, &write_next_seq_, &page_count_, &freelist_count_,
                  &insert_event_, &find_event_, &has_pending_, &insert_delivery_, &update_delivery_,
                  &delete_deliveries_, &delete_event_, &replay_, &bump_replays_, &purge_scan_}) {
    *s = Stmt();
  }
  db_.close();
}

Result<int64_t> Writer::live_bytes() {
  if (page_count_.step() != SQLITE_ROW) {
    page_count_.reset();
    return db_error(db_.get(), "page_count");
  }
  int64_t pages = page_count_.int64(0);
  page_count_.reset();
  if (freelist_count_.step() != SQLITE_ROW) {
    freelist_count_.reset();
    return db_error(db_.get(), "freelist_count");
  }
  int64_t free_pages = freelist_count_.int64(0);
  freelist_count_.reset();
  return (pages - free_pages) * page_size_;
}

Status Writer::begin() {
  aborted_ = false;
  if (auto s = run(db_.get(), begin_, "BEGIN"); !s) return s;
  // Read inside the write lock: seq stays unique and increasing even across processes and purges.
  if (read_next_seq_.step() != SQLITE_ROW) {
    read_next_seq_.reset();
    rollback();
    return db_error(db_.get(), "reading next_seq");
  }
  next_seq_ = stored_next_seq_ = read_next_seq_.int64(0);
  read_next_seq_.reset();
  return {};
}

bool Writer::in_transaction() const {
  return sqlite3_get_autocommit(db_.get()) == 0;
}

bool Writer::aborted() const {
  return aborted_ || !in_transaction();
}

Status Writer::delete_event(int64_t seq) {
  delete_deliveries_.bind(1, seq);
  if (auto s = run(db_.get(), delete_deliveries_, "deleting deliveries"); !s) return s;
  delete_event_.bind(1, seq);
  return run(db_.get(), delete_event_, "deleting event");
}

// Returns the new seq, or 0 for a duplicate.
Result<int64_t> Writer::insert_event(const NewEvent& e) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int64_t seq = next_seq_;
    insert_event_.bind(1, seq);
    insert_event_.bind(2, e.event_id);
    insert_event_.bind(3, e.received_at_ms);
    insert_event_.bind_blob(4, e.payload);
    int rc = insert_event_.step();
    insert_event_.reset();
    if (rc != SQLITE_DONE) return db_error(db_.get(), "inserting event");
    if (sqlite3_changes(db_.get()) == 1) {
      ++next_seq_;
      return seq;
    }
    // The id exists. Within the window (or still being delivered) it is a duplicate; otherwise it has
    // expired and merely awaits purge, so it is replaced and the id accepted again.
    find_event_.bind(1, e.event_id);
    if (find_event_.step() != SQLITE_ROW) {
      find_event_.reset();
      return db_error(db_.get(), "finding duplicate event");
    }
    const int64_t old_seq = find_event_.int64(0);
    const int64_t old_received = find_event_.int64(1);
    find_event_.reset();
    if (e.received_at_ms - old_received < idempotency_ms_) return 0;
    has_pending_.bind(1, old_seq);
    int pending = has_pending_.step();
    has_pending_.reset();
    if (pending == SQLITE_ROW) return 0;
    if (pending != SQLITE_DONE) return db_error(db_.get(), "checking pending deliveries");
    if (auto s = delete_event(old_seq); !s) return tl::unexpected(s.error());
  }
  return fail("internal", "spool: event " + e.event_id + " could not replace its expired copy");
}

// Checked before writing anything, so the only failures left mid-write are SQLite's own (disk, memory),
// which abort the whole group: all-or-nothing without a savepoint per enqueue (they cost a page copy per
// touched page, about a quarter of the CPU of a single-event enqueue).
Status Writer::validate(const std::vector<NewEvent>& events) {
  for (const NewEvent& e : events) {
    for (size_t i = 0; i < e.deliveries.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (e.deliveries[i].destination == e.deliveries[j].destination) {
          return fail("internal",
                      "spool: event " + e.event_id + " lists destination " + e.deliveries[i].destination + " twice",
                      "deliveries");
        }
      }
    }
  }
  return {};
}

Result<EnqueueResult> Writer::enqueue(const std::vector<NewEvent>& events) {
  if (auto s = validate(events); !s) return tl::unexpected(s.error());
  EnqueueResult result;
  result.seq.reserve(events.size());
  result.duplicate.reserve(events.size());
  auto abort = [&](Error error) -> Result<EnqueueResult> {
    aborted_ = true;
    return tl::unexpected(std::move(error));
  };
  for (const NewEvent& e : events) {
    auto seq = insert_event(e);
    if (!seq) return abort(seq.error());
    result.seq.push_back(*seq);
    result.duplicate.push_back(*seq == 0);
    if (*seq == 0) continue;
    for (const Delivery& d : e.deliveries) {
      insert_delivery_.bind(1, *seq);
      insert_delivery_.bind(2, d.destination);
      insert_delivery_.bind(3, int64_t{state_code(d.state)});
      insert_delivery_.bind(4, d.reason);
      insert_delivery_.bind(5, int64_t{d.attempts});
      insert_delivery_.bind(6, d.updated_at_ms != 0 ? d.updated_at_ms : e.received_at_ms);
      insert_delivery_.bind(7, d.next_attempt_at_ms);
      insert_delivery_.bind(8, d.last_error);
      int rc = insert_delivery_.step();
      insert_delivery_.reset();
      if (rc != SQLITE_DONE) return abort(db_error(db_.get(), "inserting delivery").value());
    }
  }
  return result;
}

void Writer::update(const DeliveryUpdate& u, int64_t now_ms) {
  update_delivery_.bind(1, u.seq);
  update_delivery_.bind(2, u.destination);
  update_delivery_.bind(3, int64_t{state_code(u.state)});
  update_delivery_.bind(4, u.reason);
  update_delivery_.bind(5, int64_t{u.attempts});
  update_delivery_.bind(6, now_ms);
  update_delivery_.bind(7, u.next_attempt_at_ms);
  update_delivery_.bind(8, u.last_error);
  // No constraint can fail here: an error is the disk's, and the group is lost with it.
  if (update_delivery_.step() != SQLITE_DONE) aborted_ = true;
  update_delivery_.reset();
}

Status Writer::commit() {
  if (next_seq_ != stored_next_seq_) {
    write_next_seq_.bind(1, next_seq_);
    if (auto s = run(db_.get(), write_next_seq_, "storing next_seq"); !s) {
      rollback();
      return s;
    }
  }
  int failing = failing_commits_.load();
  while (failing > 0 && !failing_commits_.compare_exchange_weak(failing, failing - 1)) {
  }
  if (failing > 0) {
    rollback();
    return fail("unavailable", "spool: commit failed (injected fault)");
  }
  if (auto s = run(db_.get(), commit_, "COMMIT"); !s) {
    rollback();
    return s;
  }
  return {};
}

void Writer::rollback() {
  if (in_transaction()) (void)run(db_.get(), rollback_, "ROLLBACK");
}

Result<int64_t> Writer::replay(const std::string& destination, const std::string& event_id, int64_t now_ms) {
  if (auto s = run(db_.get(), begin_, "BEGIN"); !s) return tl::unexpected(s.error());
  replay_.bind(1, destination);
  replay_.bind(2, event_id);
  replay_.bind(3, now_ms);
  if (auto s = run(db_.get(), replay_, "replaying dead letters"); !s) {
    rollback();
    return tl::unexpected(s.error());
  }
  int64_t changed = sqlite3_changes(db_.get());
  if (changed > 0) {
    if (auto s = run(db_.get(), bump_replays_, "counting the replay"); !s) {
      rollback();
      return tl::unexpected(s.error());
    }
  }
  if (auto s = run(db_.get(), commit_, "COMMIT"); !s) {
    rollback();
    return tl::unexpected(s.error());
  }
  return changed;
}

Result<int64_t> Writer::purge_chunk(int64_t cutoff_ms, size_t max_events, int64_t* after_seq, bool* finished) {
  const int64_t stop_at = cutoff_ms > std::numeric_limits<int64_t>::max() - kPurgeScanSlackMs
                              ? std::numeric_limits<int64_t>::max()
                              : cutoff_ms + kPurgeScanSlackMs;
  if (auto s = run(db_.get(), begin_, "BEGIN"); !s) return tl::unexpected(s.error());
  std::vector<int64_t> candidates;
  *finished = true;
  purge_scan_.bind(1, *after_seq);
  int rc;
  int64_t last_seen = *after_seq;
  while ((rc = purge_scan_.step()) == SQLITE_ROW) {
    int64_t received = purge_scan_.int64(1);
    if (received >= stop_at) break;
    if (candidates.size() == max_events) {
      *finished = false;
      break;
    }
    last_seen = purge_scan_.int64(0);
    if (received < cutoff_ms) candidates.push_back(last_seen);
  }
  purge_scan_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    rollback();
    return db_error(db_.get(), "scanning events to purge");
  }
  int64_t deleted = 0;
  for (int64_t seq : candidates) {
    has_pending_.bind(1, seq);
    int pending = has_pending_.step();
    has_pending_.reset();
    if (pending == SQLITE_ROW) continue;  // still being delivered: kept
    if (pending != SQLITE_DONE) {
      rollback();
      return db_error(db_.get(), "checking pending deliveries");
    }
    if (auto s = delete_event(seq); !s) {
      rollback();
      return tl::unexpected(s.error());
    }
    ++deleted;
  }
  if (auto s = run(db_.get(), commit_, "COMMIT"); !s) {
    rollback();
    return tl::unexpected(s.error());
  }
  *after_seq = last_seen;
  return deleted;
}

}  // namespace fanout::spool
