#pragma once
// Every write to the spool, on the one write connection: group transactions (enqueues and updates),
// replay and purge. Used only by the spool's writer thread (or with that thread stopped).
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/result.h"
#include "spool/outcome_rows.h"
#include "spool/recent_ids.h"
#include "spool/spool.h"
#include "spool/sqlite_db.h"

namespace fanout::spool {

class Writer {
 public:
  // Opens the write connection on `path` (creating the file and schema) and prepares every statement.
  Status open(const std::string& path, int64_t idempotency_ms);
  void close();

  // Live size in bytes: pages in use (page_count - freelist_count) times page_size.
  Result<int64_t> live_bytes();

  // How durable a group's commit must be. Only acknowledged events (enqueues) are promised to survive a
  // power loss; a group of delivery-state updates alone may lose its last commits on power loss (never on
  // a process crash), which means a re-delivery (at-least-once, platforms dedupe by event id).
  enum class Sync { full, normal };

  // The connection's PRAGMA synchronous as SQLite reports it (2 = FULL, 1 = NORMAL).
  Result<int64_t> synchronous();

  // One group transaction: begin(), any number of enqueue()/update(), then commit() or rollback().
  // `sync` decides whether commit() fsyncs the WAL (full) or leaves that to the next full commit or
  // checkpoint (normal: same WAL file, so that fsync covers these frames too). Enqueues need full.
  Status begin(Sync sync = Sync::full);
  // Writes all of `events`, or nothing with an error: an invalid batch is refused before any write,
  // and a SQLite failure during the write aborts the whole group (see aborted()). Duplicates write
  // nothing and get seq 0.
  Result<EnqueueResult> enqueue(const std::vector<NewEvent>& events);
  // Applies state changes, in order, to deliveries still pending; anything else is ignored: an unknown
  // (seq, destination), e.g. purged meanwhile, or a delivery already final (until a replay).
  void update(const std::vector<DeliveryUpdate>& updates, int64_t now_ms);
  // True once a write since begin() failed (disk full, I/O error): the group must be rolled back and
  // fail as a whole.
  bool aborted() const;
  // Commits with one fsync; on failure everything since begin() is rolled back.
  Status commit();
  void rollback();
  // SQLite's message for the last failure on the write connection.
  std::string last_error() const { return db_.last_error(); }

  // A small write transaction (rewrites one meta row) committed with fsync: succeeds exactly when a
  // commit can. Used to notice that a full disk has space again.
  Status probe();

  // failed -> pending with attempts reset, filtered by destination / event_id ("" = any). Own transaction.
  Result<int64_t> replay(const std::string& destination, const std::string& event_id, int64_t now_ms);

  // Deletes up to `max_events` purgeable events (received before cutoff_ms, no pending delivery) with
  // seq > *after_seq, in one transaction. Advances *after_seq past what it examined; returns how many it
  // deleted and sets *finished when nothing older than the cutoff is left to examine.
  Result<int64_t> purge_chunk(int64_t cutoff_ms, size_t max_events, int64_t* after_seq, bool* finished);

  // Fault injection (tests): the next `count` commits fail and roll back as a real disk error would.
  void fail_next_commits(int count) { failing_commits_.store(count); }

  // The ids of the events not yet merged into event_ids (thread-safe: readers look up in it).
  const RecentIds& recent_ids() const { return recent_; }
  // True when the recent ids should be merged into event_ids (between groups: merge_step()).
  bool merge_due() const { return !merging_.empty() || recent_.size() >= recent_limit_; }
  // Merges the next kMergeChunk recent ids (in hash order) into event_ids, in a transaction of its own.
  // A failure leaves everything as it was (the merge is tried again later).
  Status merge_step();
  // Tests: merge once `limit` ids are recent, `chunk` rows per transaction (default kRecentIds and
  // kMergeChunk), to exercise merges with few events.
  void set_merge_sizes(size_t limit, size_t chunk) {
    recent_limit_ = limit;
    merge_chunk_ = chunk;
  }

  // Where an event with `event_id` is: its seq and received_at_ms (seq 0 when there is none). Inside or
  // outside a transaction.
  struct Found {
    int64_t seq = 0;
    int64_t received_at_ms = 0;
  };
  Result<Found> find(const std::string& event_id);

  // Recent ids held before a merge starts: ~48 bytes of memory each, so ~3 MB. A merge writes each page
  // of event_ids about once for all of them; the more there are, the fewer page writes per event
  // (bench/README.md, "Event id index").
  static constexpr size_t kRecentIds = 65536;
  // Index rows written per merge transaction, at least: ~2 ms of the writer thread (~5,500 instructions
  // a row), so an enqueue queued meanwhile waits little (512 cost 5% more instructions per event). A step writes as many rows as events were
  // accepted since the previous one when that is more, so the merge keeps pace with intake. Chunks
  // follow hash order, so their size barely changes the pages written.
  static constexpr size_t kMergeChunk = 1024;

 private:
  // Destination ids 1..62 are bits of outbox.pending: at most 62 names per spool, ever.
  static constexpr int64_t kMaxDestinationId = 62;

  Result<int64_t> insert_event(const NewEvent& e);
  // The id of a destination name, adding it (in the open transaction) when new.
  Result<int64_t> destination_id(const std::string& name);
  Status load_destination_ids();
  // Inserts the row of (u.seq, destination `id`).
  Status insert_delivery(const DeliveryUpdate& u, int64_t id, int64_t updated_at_ms);
  // Gathers `u` (of destination `id`) for the next apply_outcomes().
  void add_outcome(const DeliveryUpdate& u, int64_t id, int64_t now_ms);
  static bool row_tells_attempt(const DeliveryUpdate& u);
  // Applies the gathered outcomes (write_outcomes) and forgets them, whether that succeeded or not.
  Status apply_outcomes();
  Status write_outcomes();
  // Deletes an event, its rows and its index entry (`hash` is its id's).
  Status delete_event(int64_t seq, int64_t hash);
  // Reads the ids of events with from <= seq < to into recent_ (at open: those above ids_indexed; at
  // begin(): those another process added since this writer's last commit).
  Status load_recent(int64_t from, int64_t to);
  // After a commit: removals take effect, a merge in progress skips deleted events. After a rollback:
  // the ids added since begin() are forgotten.
  void committed();
  void rolled_back();
  static Status validate(const std::vector<NewEvent>& events);
  // False when SQLite itself rolled the transaction back after an error.
  bool in_transaction() const;
  // Sets PRAGMA synchronous for the next transaction (between transactions only).
  Status set_sync(Sync sync);

  Db db_;
  int64_t idempotency_ms_ = 0;
  int64_t page_size_ = 4096;
  int64_t next_seq_ = 1;         // next sequence number to assign in the open transaction
  bool aborted_ = false;         // a write in the open transaction failed
  Sync sync_ = Sync::full;       // the connection's current PRAGMA synchronous (FULL after open)
  std::atomic<int> failing_commits_{0};
  std::map<std::string, int64_t> ids_;  // destination name -> id, as committed (plus new_ids_)
  std::vector<std::string> new_ids_;    // names added in the open transaction
  // The outcomes gathered by update() and not yet applied (buffers reused from call to call).
  std::vector<OutcomeRow> outcomes_;                  // one per update
  std::vector<OutcomeRow> history_;                   // those whose attempt gets a row in `attempts`
  std::vector<std::pair<int64_t, int64_t>> settled_;  // (seq, outbox bit) of those no longer pending
  std::unordered_set<int64_t> in_flush_;              // (seq << 6 | destination id) of outcomes_

  RecentIds recent_;                                  // (hash, seq) of events above ids_indexed_
  std::atomic<size_t> recent_limit_{kRecentIds};
  std::atomic<size_t> merge_chunk_{kMergeChunk};
  int64_t ids_indexed_ = 0;                           // meta.ids_indexed: event_ids covers every seq up to here
  int64_t committed_next_seq_ = 1;                    // next_seq after this writer's last commit
  std::vector<std::pair<int64_t, int64_t>> added_;    // (hash, seq) added to recent_ since begin()
  std::vector<std::pair<int64_t, int64_t>> removed_;  // (hash, seq) deleted since begin()
  std::vector<std::pair<int64_t, int64_t>> merging_;  // a merge in progress: sorted, seq 0 = deleted since
  size_t merged_ = 0;                                 // merging_[0..merged_) are written
  size_t accepted_since_step_ = 0;                    // events accepted since the last merge_step()
  int64_t merge_upto_ = 0;                            // the merge covers every seq up to here

  std::vector<Stmt*> prepared_;  // every statement below, finalized by close()
  Stmt begin_, commit_, rollback_;
  Stmt read_next_seq_, write_next_seq_, page_count_, freelist_count_;
  Stmt insert_event_, find_seq_, find_hash_, index_id_, unindex_id_, write_indexed_, read_indexed_, scan_ids_;
  Stmt has_pending_, insert_outbox_, write_outcomes_, delete_finished_, clear_bits_;
  Stmt insert_destination_, insert_delivery_, delete_deliveries_, delete_event_;
  Stmt replay_outbox_, replay_, bump_replays_, purge_scan_;
  Stmt write_attempts_, delete_attempts_;  // the attempt history (schema.cpp, version 3)
  Stmt replay_attempts_keep_, replay_attempts_drop_, replay_attempts_shift_;
};

}  // namespace fanout::spool
