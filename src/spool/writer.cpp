#include "spool/writer.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "spool/outcome_rows.h"
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

// Parameters ?2..?8 of the statements that write a delivery row: destination id, then the outcome.
void bind_outcome(Stmt& stmt, int64_t id, const DeliveryUpdate& u, int64_t updated_at_ms) {
  stmt.bind(2, id);
  stmt.bind(3, int64_t{state_code(u.state)});
  stmt.bind(4, u.reason);
  stmt.bind(5, int64_t{u.attempts});
  stmt.bind(6, updated_at_ms);
  stmt.bind(7, u.next_attempt_at_ms);
  stmt.bind(8, u.last_error);
}

}  // namespace

Status Writer::open(const std::string& path, int64_t idempotency_ms) {
  idempotency_ms_ = idempotency_ms;
  if (auto s = open_writer(db_, path); !s) return s;
  sqlite3* db = db_.get();
  if (auto s = register_outcome_rows(db); !s) return s;
  const std::initializer_list<StmtDef> defs = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      // The newest event's seq + 1, or meta.next_seq when a purge deleted the newest events (and when a
      // meta row was left behind by an older copy of the file).
      {&read_next_seq_,
       "SELECT max((SELECT value FROM meta WHERE key = 'next_seq'), (SELECT ifnull(max(seq), 0) + 1 FROM events))"},
      // Only a purge stores next_seq: while the newest event is in `events`, its seq tells the next one
      // (an UPDATE of meta at each commit wrote its page to the WAL: ~10k instructions per acknowledging
      // group, callgrind).
      {&write_next_seq_, "UPDATE meta SET value = ?1 WHERE key = 'next_seq' AND value < ?1"},
      {&page_count_, "PRAGMA page_count"},
      {&freelist_count_, "PRAGMA freelist_count"},
      {&insert_event_, "INSERT INTO events(seq, event_id, received_at_ms, payload) VALUES(?1, ?2, ?3, ?4)"},
      // The two levels of the id index (recent_ids.h): a recent seq is checked against its row; the
      // merged ones are found by hash, and the id compared there too (a hash is not the id).
      {&find_seq_, "SELECT received_at_ms FROM events WHERE seq = ?1 AND event_id = ?2"},
      {&find_hash_,
       "SELECT e.seq, e.received_at_ms FROM event_ids i JOIN events e ON e.seq = i.seq "
       "WHERE i.hash = ?1 AND e.event_id = ?2"},
      {&index_id_, "INSERT OR IGNORE INTO event_ids(hash, seq) VALUES(?1, ?2)"},
      {&unindex_id_, "DELETE FROM event_ids WHERE hash = ?1 AND seq = ?2"},
      {&write_indexed_, "UPDATE meta SET value = ?1 WHERE key = 'ids_indexed'"},
      {&read_indexed_, "SELECT value FROM meta WHERE key = 'ids_indexed'"},
      {&scan_ids_, "SELECT seq, event_id FROM events WHERE seq >= ?1 AND seq < ?2"},
      {&has_pending_, "SELECT pending FROM outbox WHERE seq = ?1"},
      {&insert_outbox_, "INSERT INTO outbox(seq, pending) VALUES(?1, ?2)"},
      // The outcomes of one update() are applied set-wise, their rows read from the writer's memory
      // (fanout_outcomes, outcome_rows.h): a statement per update() call, not per event or per run
      // of one destination's outcome. Only deliveries still pending are touched (their outbox bit is
      // set). A row's time is its attempt's answer time when there was an attempt (the console shows it).
      {&write_outcomes_,
       "INSERT INTO deliveries(seq, destination, state, reason, attempts, updated_at_ms, next_attempt_at_ms, "
       "last_error, http_status, latency_us) SELECT r.seq, r.destination, r.state, r.reason, r.attempts, "
       "r.updated_at_ms, r.next_attempt_at_ms, r.last_error, r.http_status, r.latency_us "
       "FROM fanout_outcomes(?1) r JOIN outbox o ON o.seq = r.seq "
       "WHERE ((o.pending >> r.destination) & 1) = 1 ON CONFLICT(seq, destination) DO UPDATE SET "
       "state = excluded.state, reason = excluded.reason, attempts = excluded.attempts, "
       "updated_at_ms = excluded.updated_at_ms, next_attempt_at_ms = excluded.next_attempt_at_ms, "
       "last_error = excluded.last_error, http_status = excluded.http_status, latency_us = excluded.latency_us"},
      // Settled deliveries leave the outbox, an event at a time (?2: the bits of its deliveries settled
      // in this call): its row goes when no bit is left, else loses those bits. Set-wise over
      // fanout_outcomes, the same cost ~5x more per event (the IN list is a temporary index).
      {&delete_finished_, "DELETE FROM outbox WHERE seq = ?1 AND (pending & ~?2) = 0"},
      {&clear_bits_, "UPDATE outbox SET pending = pending & ~?2 WHERE seq = ?1 AND (pending & ?2) != 0"},
      {&insert_destination_, "INSERT INTO destinations(id, name) VALUES(?1, ?2)"},
      {&insert_delivery_,
       "INSERT INTO deliveries(seq, destination, state, reason, attempts, updated_at_ms, next_attempt_at_ms, "
       "last_error) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&delete_deliveries_, "DELETE FROM deliveries WHERE seq = ?1"},
      {&delete_event_, "DELETE FROM events WHERE seq = ?1"},
      // Dead letters matching the filters (destination "", event seq 0: any) go back to pending: their
      // outbox bits first (an upsert per row, OR-ing bits of the same event), then their rows.
      {&replay_outbox_,
       "INSERT INTO outbox(seq, pending) SELECT d.seq, 1 << d.destination FROM deliveries d WHERE d.state = 2 "
       "AND (?1 = '' OR d.destination = (SELECT id FROM destinations WHERE name = ?1)) "
       "AND (?2 = 0 OR d.seq = ?2) "
       "ON CONFLICT(seq) DO UPDATE SET pending = pending | excluded.pending"},
      {&replay_,
       "UPDATE deliveries SET state = 0, reason = '', attempts = 0, next_attempt_at_ms = 0, last_error = '', "
       "http_status = NULL, latency_us = NULL, updated_at_ms = ?3 WHERE state = 2 AND (?1 = '' OR destination = (SELECT id FROM destinations WHERE name = "
       "?1)) "
       "AND (?2 = 0 OR seq = ?2)"},
      {&bump_replays_,
       "INSERT INTO meta(key, value) VALUES('replays', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1"},
      {&purge_scan_, "SELECT seq, received_at_ms, event_id FROM events WHERE seq > ?1 ORDER BY seq"},
      // Like write_outcomes_: only deliveries still pending get the attempt that just finished them.
      // Only for deliveries whose row cannot tell their history alone (schema.cpp, version 4).
      {&write_attempts_,
       "INSERT OR REPLACE INTO attempts(seq, destination, slot, at_ms, http_status, outcome, error, latency_us) "
       "SELECT r.seq, r.destination, r.slot, r.updated_at_ms, r.http_status, r.state, r.error, r.latency_us "
       "FROM fanout_outcomes(?1) r JOIN outbox o ON o.seq = r.seq WHERE ((o.pending >> r.destination) & 1) = 1"},
      {&delete_attempts_, "DELETE FROM attempts WHERE seq = ?1"},
      // A replay restarts attempt numbers, hence ring slots: the dead letters' history moves to slots
      // below 0 (kept beside the new round's), after dropping what an earlier replay had moved there.
      // A dead letter settled at its first attempt has that attempt in its row only: it becomes a row
      // of the history before the row is reset.
      {&replay_attempts_keep_,
       "INSERT OR IGNORE INTO attempts(seq, destination, slot, at_ms, http_status, outcome, error, latency_us) "
       "SELECT d.seq, d.destination, 0, d.updated_at_ms, d.http_status, d.state, d.reason, d.latency_us "
       "FROM deliveries d WHERE d.state = 2 AND d.attempts = 1 AND d.http_status IS NOT NULL "
       "AND (?1 = '' OR d.destination = (SELECT id FROM destinations WHERE name = ?1)) "
       "AND (?2 = 0 OR d.seq = ?2)"},
      {&replay_attempts_drop_,
       "DELETE FROM attempts WHERE slot < 0 AND (seq, destination) IN (SELECT d.seq, d.destination FROM deliveries d "
       "WHERE d.state = 2 AND (?1 = '' OR d.destination = (SELECT id FROM destinations WHERE name = ?1)) "
       "AND (?2 = 0 OR d.seq = ?2))"},
      {&replay_attempts_shift_,
       "UPDATE attempts SET slot = slot - ?3 WHERE (seq, destination) IN (SELECT d.seq, d.destination FROM deliveries "
       "d WHERE d.state = 2 AND (?1 = '' OR d.destination = (SELECT id FROM destinations WHERE name = ?1)) "
       "AND (?2 = 0 OR d.seq = ?2))"},
  };
  if (auto s = prepare_all(db, defs, prepared_); !s) return s;
  if (auto s = load_destination_ids(); !s) return s;
  auto page_size = Stmt::prepare(db, "PRAGMA page_size");
  if (!page_size) return tl::unexpected(page_size.error());
  if (page_size->step() == SQLITE_ROW) page_size_ = page_size->int64(0);
  // The recent level of the id index is rebuilt from the events above the merged mark.
  if (read_indexed_.step() != SQLITE_ROW) {
    read_indexed_.reset();
    return db_error(db, "reading ids_indexed");
  }
  ids_indexed_ = read_indexed_.int64(0);
  read_indexed_.reset();
  if (read_next_seq_.step() != SQLITE_ROW) {
    read_next_seq_.reset();
    return db_error(db, "reading next_seq");
  }
  committed_next_seq_ = read_next_seq_.int64(0);
  read_next_seq_.reset();
  recent_.clear();
  merging_.clear();
  merged_ = 0;
  return load_recent(ids_indexed_ + 1, committed_next_seq_);
}

Status Writer::load_recent(int64_t from, int64_t to) {
  scan_ids_.bind(1, from);
  scan_ids_.bind(2, to);
  int rc;
  while ((rc = scan_ids_.step()) == SQLITE_ROW) {
    const auto* id = reinterpret_cast<const char*>(sqlite3_column_text(scan_ids_.get(), 1));
    const auto size = static_cast<size_t>(sqlite3_column_bytes(scan_ids_.get(), 1));
    recent_.add(id_hash(std::string_view(id ? id : "", size)), scan_ids_.int64(0));
  }
  scan_ids_.reset();
  if (rc != SQLITE_DONE) return db_error(db_.get(), "reading recent event ids");
  return {};
}

void Writer::close() {
  finalize_all(prepared_);
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

Result<int64_t> Writer::synchronous() {
  auto stmt = Stmt::prepare(db_.get(), "PRAGMA synchronous");
  if (!stmt) return tl::unexpected(stmt.error());
  if (stmt->step() != SQLITE_ROW) return db_error(db_.get(), "reading PRAGMA synchronous");
  return stmt->int64(0);
}

Status Writer::set_sync(Sync sync) {
  if (sync == sync_) return {};
  // Executed, never kept prepared: SQLite applies PRAGMA synchronous while compiling the statement, so
  // preparing the two once would leave the connection at whichever was prepared last (NORMAL), and the
  // acknowledging commits without their fsync.
  if (auto s = db_.exec(sync == Sync::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"); !s) return s;
  sync_ = sync;
  return {};
}

Status Writer::begin(Sync sync) {
  aborted_ = false;
  if (auto s = set_sync(sync); !s) return s;
  if (auto s = run(db_.get(), begin_, "BEGIN"); !s) return s;
  // Read inside the write lock: seq stays unique and increasing even across processes and purges.
  if (read_next_seq_.step() != SQLITE_ROW) {
    read_next_seq_.reset();
    rollback();
    return db_error(db_.get(), "reading next_seq");
  }
  next_seq_ = read_next_seq_.int64(0);
  read_next_seq_.reset();
  added_.clear();
  removed_.clear();
  // Another process wrote events since this writer's last commit (none does today): their ids join
  // the recent level, or they would not be found.
  if (next_seq_ > committed_next_seq_) {
    if (auto s = load_recent(std::max(committed_next_seq_, ids_indexed_ + 1), next_seq_); !s) {
      rollback();
      return s;
    }
    committed_next_seq_ = next_seq_;
  }
  return {};
}

bool Writer::in_transaction() const {
  return sqlite3_get_autocommit(db_.get()) == 0;
}

bool Writer::aborted() const {
  return aborted_ || !in_transaction();
}

Status Writer::delete_event(int64_t seq, int64_t hash) {
  unindex_id_.bind(1, hash);
  unindex_id_.bind(2, seq);
  if (auto s = run(db_.get(), unindex_id_, "deleting an event id"); !s) return s;
  removed_.emplace_back(hash, seq);
  delete_deliveries_.bind(1, seq);
  if (auto s = run(db_.get(), delete_deliveries_, "deleting deliveries"); !s) return s;
  delete_attempts_.bind(1, seq);
  if (auto s = run(db_.get(), delete_attempts_, "deleting attempts"); !s) return s;
  delete_event_.bind(1, seq);
  return run(db_.get(), delete_event_, "deleting event");
}

Result<Writer::Found> Writer::find(const std::string& event_id) {
  const int64_t hash = id_hash(event_id);
  // Newest first: after an expired id was accepted again, a stale entry may still name its old seq.
  const std::vector<int64_t> recent = recent_.seqs(hash);
  for (auto it = recent.rbegin(); it != recent.rend(); ++it) {
    find_seq_.bind(1, *it);
    find_seq_.bind(2, event_id);
    const int rc = find_seq_.step();
    const int64_t received = rc == SQLITE_ROW ? find_seq_.int64(0) : 0;
    find_seq_.reset();
    if (rc == SQLITE_ROW) return Found{*it, received};
    if (rc != SQLITE_DONE) return db_error(db_.get(), "finding an event");
  }
  find_hash_.bind(1, hash);
  find_hash_.bind(2, event_id);
  const int rc = find_hash_.step();
  Found found;
  if (rc == SQLITE_ROW) found = Found{find_hash_.int64(0), find_hash_.int64(1)};
  find_hash_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(db_.get(), "finding an event");
  return found;
}

// Returns the new seq, or 0 for a duplicate.
Result<int64_t> Writer::insert_event(const NewEvent& e) {
  const int64_t hash = id_hash(e.event_id);
  auto old = find(e.event_id);
  if (!old) return tl::unexpected(old.error());
  if (old->seq != 0) {
    // Within the window (or still being delivered) it is a duplicate; otherwise it has expired and
    // merely awaits purge, so it is replaced and the id accepted again.
    if (e.received_at_ms - old->received_at_ms < idempotency_ms_) return 0;
    has_pending_.bind(1, old->seq);
    int pending = has_pending_.step();
    has_pending_.reset();
    if (pending == SQLITE_ROW) return 0;
    if (pending != SQLITE_DONE) return db_error(db_.get(), "checking pending deliveries");
    if (auto s = delete_event(old->seq, hash); !s) return tl::unexpected(s.error());
  }
  const int64_t seq = next_seq_;
  insert_event_.bind(1, seq);
  insert_event_.bind(2, e.event_id);
  insert_event_.bind(3, e.received_at_ms);
  insert_event_.bind_blob(4, e.payload);
  int rc = insert_event_.step();
  insert_event_.reset();
  if (rc != SQLITE_DONE) return db_error(db_.get(), "inserting event");
  ++next_seq_;
  // No index write: the id joins the recent level, which the events row itself makes durable.
  recent_.add(hash, seq);
  added_.emplace_back(hash, seq);
  ++accepted_since_step_;
  return seq;
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
    int64_t pending = 0;
    for (const Delivery& d : e.deliveries) {
      auto id = destination_id(d.destination);
      if (!id) return abort(id.error());
      if (d.state == State::pending) pending |= int64_t{1} << *id;
      // A fresh pending delivery is its outbox bit alone; anything else has a row from the start.
      const bool fresh =
          d.state == State::pending && d.attempts == 0 && d.next_attempt_at_ms == 0 && d.last_error.empty();
      if (fresh) continue;
      DeliveryUpdate row{*seq, d.destination, d.state, d.reason, d.attempts, d.next_attempt_at_ms, d.last_error};
      if (auto s = insert_delivery(row, *id, d.updated_at_ms != 0 ? d.updated_at_ms : e.received_at_ms); !s) {
        return abort(s.error());
      }
    }
    if (pending == 0) continue;
    insert_outbox_.bind(1, *seq);
    insert_outbox_.bind(2, pending);
    if (auto s = run(db_.get(), insert_outbox_, "inserting outbox row"); !s) return abort(s.error());
  }
  return result;
}

Result<int64_t> Writer::destination_id(const std::string& name) {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  int64_t id = 1;
  for (const auto& [known, known_id] : ids_) id = std::max(id, known_id + 1);
  if (id > kMaxDestinationId) return fail("internal", "spool: more than 62 destination names", "deliveries");
  insert_destination_.bind(1, id);
  insert_destination_.bind(2, name);
  if (auto s = run(db_.get(), insert_destination_, "adding a destination"); !s) return tl::unexpected(s.error());
  ids_.emplace(name, id);
  new_ids_.push_back(name);  // forgotten again if this transaction rolls back
  return id;
}

Status Writer::load_destination_ids() {
  auto stmt = Stmt::prepare(db_.get(), "SELECT id, name FROM destinations");
  if (!stmt) return tl::unexpected(stmt.error());
  int rc;
  while ((rc = stmt->step()) == SQLITE_ROW) ids_.emplace(stmt->text(1), stmt->int64(0));
  if (rc != SQLITE_DONE) return db_error(db_.get(), "reading destinations");
  return {};
}

Status Writer::insert_delivery(const DeliveryUpdate& u, int64_t id, int64_t updated_at_ms) {
  insert_delivery_.bind(1, u.seq);
  bind_outcome(insert_delivery_, id, u, updated_at_ms);
  return run(db_.get(), insert_delivery_, "inserting delivery");
}

void Writer::add_outcome(const DeliveryUpdate& u, int64_t id, int64_t now_ms) {
  OutcomeRow& r = outcomes_.emplace_back();
  r.seq = u.seq;
  r.destination = id;
  r.state = state_code(u.state);
  r.reason = u.reason;
  r.attempts = u.attempts;
  r.updated_at_ms = u.attempt ? u.attempt->at_ms : now_ms;
  r.next_attempt_at_ms = u.next_attempt_at_ms;
  r.last_error = u.last_error;
  if (u.attempt) {
    r.attempted = true;
    r.http_status = u.attempt->http_status;
    r.latency_us = static_cast<int64_t>(u.attempt->latency_ms * 1000.0);
    r.error = u.attempt->error;
    r.slot = u.attempts > 0 ? (u.attempts - 1) % kAttemptsKept : 0;
    if (!row_tells_attempt(u)) history_.push_back(r);
  }
  if (u.state != State::pending) settled_.emplace_back(u.seq, int64_t{1} << id);
}

// Whether a delivery's row alone tells its attempt: settled at the first one, with the error the row
// keeps (none when delivered, the dead-letter reason when failed). Otherwise the attempt gets a row
// in `attempts` too.
bool Writer::row_tells_attempt(const DeliveryUpdate& u) {
  if (!u.attempt || u.attempts != 1) return false;
  if (u.state == State::delivered) return u.attempt->error.empty();
  if (u.state == State::failed) return u.attempt->error == u.reason;
  return false;
}

// Each (seq, destination) is gathered at most once (update() applies what it has before a repeat), so
// the statements of write_outcomes() commute: each row reads only its own outbox bit, which only the
// outbox statements at its end change. The attempts and deliveries go first, while the bits still say
// which deliveries are pending.
Status Writer::apply_outcomes() {
  Status status = write_outcomes();
  outcomes_.clear();
  history_.clear();
  settled_.clear();
  in_flush_.clear();
  return status;
}

Status Writer::write_outcomes() {
  if (outcomes_.empty()) return {};
  if (!history_.empty()) {
    bind_outcome_rows(write_attempts_.get(), 1, &history_);
    if (auto s = run(db_.get(), write_attempts_, "writing attempts"); !s) return s;
  }
  // In key order: each row goes in just after the previous one, mostly on the table's last page.
  std::sort(outcomes_.begin(), outcomes_.end(), [](const OutcomeRow& a, const OutcomeRow& b) {
    return a.seq != b.seq ? a.seq < b.seq : a.destination < b.destination;
  });
  bind_outcome_rows(write_outcomes_.get(), 1, &outcomes_);
  if (auto s = run(db_.get(), write_outcomes_, "writing deliveries"); !s) return s;
  if (settled_.empty()) return {};  // retries only: every delivery still pending
  // Per event, all its bits settled in this call at once (settled_ sorted by seq).
  std::sort(settled_.begin(), settled_.end());
  for (size_t i = 0; i < settled_.size();) {
    const int64_t seq = settled_[i].first;
    int64_t bits = 0;
    for (; i < settled_.size() && settled_[i].first == seq; ++i) bits |= settled_[i].second;
    delete_finished_.bind(1, seq);
    delete_finished_.bind(2, bits);
    if (auto s = run(db_.get(), delete_finished_, "deleting finished outbox rows"); !s) return s;
    if (sqlite3_changes(db_.get()) > 0) continue;
    clear_bits_.bind(1, seq);
    clear_bits_.bind(2, bits);
    if (auto s = run(db_.get(), clear_bits_, "clearing outbox bits"); !s) return s;
  }
  return {};
}

// The five destinations' results arrive interleaved (each lane hands over what completed in one loop
// turn), so a call's outcomes are applied together: two statements per call over all of them, and
// one or two per event that has deliveries settled, rather than statements per destination and
// outcome (measured: a third of the spool's CPU per event when results of 4 events interleave, with a
// statement per small result). Updates of different deliveries commute; only two
// updates of the same delivery (a retry, then its outcome) keep their order: the second one first
// applies what was gathered before it.
void Writer::update(const std::vector<DeliveryUpdate>& updates, int64_t now_ms) {
  // The buffers are empty here: every way out of update() goes through apply_outcomes(), which clears them.
  for (const DeliveryUpdate& u : updates) {
    auto it = ids_.find(u.destination);
    if (it == ids_.end()) continue;  // never stored: no such delivery
    const int64_t key = u.seq << 6 | it->second;
    if (!in_flush_.insert(key).second) {
      // No constraint can fail here: an error is the disk's, and the group is lost with it.
      if (!apply_outcomes()) {
        aborted_ = true;
        return;
      }
      in_flush_.insert(key);
    }
    add_outcome(u, it->second, now_ms);
  }
  if (!apply_outcomes()) aborted_ = true;
}

Status Writer::commit() {
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
  new_ids_.clear();
  committed_next_seq_ = next_seq_;
  committed();
  return {};
}

void Writer::committed() {
  for (const auto& [hash, seq] : removed_) {
    recent_.remove(hash, seq);
    // Not written by the merge in progress, if it has yet to reach it (it was unindexed if it had).
    // Searched by hash alone: an entry already marked deleted (seq 0) breaks the order within a hash.
    auto by_hash = [](const std::pair<int64_t, int64_t>& a, const std::pair<int64_t, int64_t>& b) {
      return a.first < b.first;
    };
    auto [first, last] = std::equal_range(merging_.begin() + static_cast<ptrdiff_t>(merged_), merging_.end(),
                                          std::make_pair(hash, int64_t{0}), by_hash);
    for (auto it = first; it != last; ++it)
      if (it->second == seq) it->second = 0;
  }
  added_.clear();
  removed_.clear();
}

void Writer::rolled_back() {
  for (const auto& [hash, seq] : added_) recent_.remove(hash, seq);
  added_.clear();
  removed_.clear();
}

Status Writer::merge_step() {
  if (merging_.empty()) {
    merge_upto_ = committed_next_seq_ - 1;
    merging_ = recent_.sorted_upto(merge_upto_);
    merged_ = 0;
    accepted_since_step_ = 0;  // those are in this merge
  }
  // At least as many rows as events arrived since the last step, so the merge ends before the next
  // one is due; if it is behind all the same, the rest in this call: memory stays bounded.
  const size_t rows = recent_.size() >= 2 * recent_limit_ ? merging_.size() - merged_
                                                          : std::max(merge_chunk_.load(), accepted_since_step_);
  accepted_since_step_ = 0;
  const size_t end = std::min(merging_.size(), merged_ + rows);
  // The index can be rebuilt from the events table (which is durable), and ids_indexed moves in the same
  // transaction as the last rows: no fsync of its own; the next enqueue's makes it durable.
  if (auto s = begin(Sync::normal); !s) return s;
  for (size_t i = merged_; i < end; ++i) {
    if (merging_[i].second == 0) continue;  // deleted since the merge started
    index_id_.bind(1, merging_[i].first);
    index_id_.bind(2, merging_[i].second);
    if (auto s = run(db_.get(), index_id_, "merging event ids"); !s) {
      rollback();
      return s;
    }
  }
  if (end == merging_.size()) {
    write_indexed_.bind(1, merge_upto_);
    if (auto s = run(db_.get(), write_indexed_, "storing ids_indexed"); !s) {
      rollback();
      return s;
    }
  }
  if (auto s = commit(); !s) return s;
  merged_ = end;
  if (merged_ == merging_.size()) {
    ids_indexed_ = merge_upto_;
    recent_.drop_upto(merge_upto_);
    merging_.clear();
    merging_.shrink_to_fit();
    merged_ = 0;
  }
  return {};
}

Status Writer::probe() {
  if (auto s = begin(Sync::full); !s) return s;
  if (auto s = db_.exec("UPDATE meta SET value = value WHERE key = 'next_seq'"); !s) {
    rollback();
    return s;
  }
  return commit();
}

void Writer::rollback() {
  if (in_transaction()) (void)run(db_.get(), rollback_, "ROLLBACK");
  for (const auto& name : new_ids_) ids_.erase(name);
  new_ids_.clear();
  rolled_back();
}

Result<int64_t> Writer::replay(const std::string& destination, const std::string& event_id, int64_t now_ms) {
  // Full: an operator's replay is acknowledged like an enqueue.
  if (auto s = set_sync(Sync::full); !s) return tl::unexpected(s.error());
  if (auto s = run(db_.get(), begin_, "BEGIN"); !s) return tl::unexpected(s.error());
  // The event filter, as the seq of that event (0: any event).
  int64_t seq = 0;
  if (!event_id.empty()) {
    auto found = find(event_id);
    if (!found) {
      rollback();
      return tl::unexpected(found.error());
    }
    if (found->seq == 0) {  // no such event: nothing to replay
      rollback();
      return 0;
    }
    seq = found->seq;
  }
  replay_outbox_.bind(1, destination);
  replay_outbox_.bind(2, seq);
  if (auto s = run(db_.get(), replay_outbox_, "re-queueing dead letters"); !s) {
    rollback();
    return tl::unexpected(s.error());
  }
  replay_attempts_keep_.bind(1, destination);
  replay_attempts_keep_.bind(2, seq);
  replay_attempts_drop_.bind(1, destination);
  replay_attempts_drop_.bind(2, seq);
  replay_attempts_shift_.bind(1, destination);
  replay_attempts_shift_.bind(2, seq);
  replay_attempts_shift_.bind(3, kAttemptsKept);
  for (Stmt* stmt : {&replay_attempts_keep_, &replay_attempts_drop_, &replay_attempts_shift_}) {
    if (auto s = run(db_.get(), *stmt, "keeping the attempts of replayed dead letters"); !s) {
      rollback();
      return tl::unexpected(s.error());
    }
  }
  replay_.bind(1, destination);
  replay_.bind(2, seq);
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
  if (auto s = set_sync(Sync::full); !s) return tl::unexpected(s.error());
  if (auto s = run(db_.get(), begin_, "BEGIN"); !s) return tl::unexpected(s.error());
  removed_.clear();
  // The newest events may go: meta.next_seq keeps their seqs from being assigned again.
  if (read_next_seq_.step() != SQLITE_ROW) {
    read_next_seq_.reset();
    rollback();
    return db_error(db_.get(), "reading next_seq");
  }
  write_next_seq_.bind(1, read_next_seq_.int64(0));
  read_next_seq_.reset();
  if (auto s = run(db_.get(), write_next_seq_, "storing next_seq"); !s) {
    rollback();
    return tl::unexpected(s.error());
  }
  std::vector<std::pair<int64_t, int64_t>> candidates;  // seq, id hash
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
    if (received < cutoff_ms) {
      const auto* id = reinterpret_cast<const char*>(sqlite3_column_text(purge_scan_.get(), 2));
      const auto size = static_cast<size_t>(sqlite3_column_bytes(purge_scan_.get(), 2));
      candidates.emplace_back(last_seen, id_hash(std::string_view(id ? id : "", size)));
    }
  }
  purge_scan_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    rollback();
    return db_error(db_.get(), "scanning events to purge");
  }
  int64_t deleted = 0;
  for (const auto& [seq, hash] : candidates) {
    has_pending_.bind(1, seq);
    int pending = has_pending_.step();
    has_pending_.reset();
    if (pending == SQLITE_ROW) continue;  // still being delivered: kept
    if (pending != SQLITE_DONE) {
      rollback();
      return db_error(db_.get(), "checking pending deliveries");
    }
    if (auto s = delete_event(seq, hash); !s) {
      rollback();
      return tl::unexpected(s.error());
    }
    ++deleted;
  }
  if (auto s = run(db_.get(), commit_, "COMMIT"); !s) {
    rollback();
    return tl::unexpected(s.error());
  }
  committed();
  *after_seq = last_seen;
  return deleted;
}

}  // namespace fanout::spool
