#pragma once
// The durable queue between intake and delivery. One writer (group commit), readers on their own
// connections. Payloads are encoded Events (core/event_codec.h): hashes only, never raw personal data.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace fanout::spool {

enum class State { pending, delivered, failed, skipped };
const char* state_name(State s);  // "pending", "delivered", "failed", "skipped"

// State of one (event, destination) pair.
struct Delivery {
  std::string destination;  // "meta", "ga4", ...
  State state = State::pending;
  std::string reason;              // failed/skipped: why
  int attempts = 0;                // HTTP attempts made
  int64_t updated_at_ms = 0;       // Unix ms of the last change
  int64_t next_attempt_at_ms = 0;  // pending retry: not before this (0 = now)
  std::string last_error;          // pending retry: the last transient error
};

// An event to accept: its deliveries start `pending` (or `skipped` with a reason).
struct NewEvent {
  std::string event_id;
  int64_t received_at_ms = 0;
  std::string payload;               // encoded Event
  std::vector<Delivery> deliveries;  // one per enabled destination
};

// Result of one enqueue(): for each event, its sequence number, or 0 with duplicate=true when the
// event_id was already accepted within the idempotency window (nothing was written for it).
struct EnqueueResult {
  std::vector<int64_t> seq;
  std::vector<bool> duplicate;
};

// The full status of one event (GET /v1/events/{id}).
struct EventStatus {
  std::string event_id;
  int64_t received_at_ms = 0;
  std::vector<Delivery> deliveries;
};

// A pending delivery loaded for sending.
struct PendingDelivery {
  int64_t seq = 0;      // event sequence number (monotonic in acceptance order)
  std::string payload;  // encoded Event
  int attempts = 0;
  int64_t next_attempt_at_ms = 0;
};

// One HTTP attempt of a delivery, kept in a short history per delivery (the console's detail view).
struct Attempt {
  int64_t at_ms = 0;       // Unix ms when the answer (or its absence) came
  int http_status = 0;     // 0 = no HTTP answer (timeout, connection error)
  double latency_ms = 0;   // request sent to answer received
  std::string error;       // "" when delivered; operator-facing, no personal data
};

// A state change reported by delivery/.
struct DeliveryUpdate {
  int64_t seq = 0;
  std::string destination;
  State state = State::pending;  // pending = scheduled retry
  std::string reason;            // failed: dead-letter reason
  int attempts = 0;
  int64_t next_attempt_at_ms = 0;  // pending: when to retry
  std::string last_error;          // pending: the transient error
  // The HTTP attempt that led to this change, when there was one: appended to the delivery's attempt
  // history (its outcome is this update's state: pending = retry).
  std::optional<Attempt> attempt = std::nullopt;
};

// A stored attempt, as listed for one event (newest first).
struct AttemptEntry {
  std::string destination;
  State outcome = State::pending;  // pending = will be retried
  Attempt attempt;
};

// One accepted event as stored: what the console lists.
struct StoredEvent {
  int64_t seq = 0;
  std::string event_id;
  int64_t received_at_ms = 0;
  std::string payload;  // encoded Event
};

// The state of one delivery of the event `seq` (console listing).
struct SeqDelivery {
  int64_t seq = 0;
  Delivery delivery;
};

// How many deliveries of one destination are in one state, over every event the spool holds.
struct StateCount {
  std::string destination;
  State state = State::pending;
  int64_t count = 0;
};

// A dead-lettered delivery (fanout dlq list).
struct DeadLetter {
  std::string event_id;
  std::string destination;
  std::string reason;
  int attempts = 0;
  int64_t updated_at_ms = 0;
};

class Spool {
 public:
  virtual ~Spool() = default;

  // Durably commits `events` as one all-or-nothing unit (a batch request enqueues all or nothing).
  // `done` runs on the spool's writer thread after the commit is on disk (fsync), or with an Error
  // ("unavailable" when over max_bytes or the disk fails). Several enqueue() calls that arrive
  // together share one transaction and one fsync (group commit).
  // An empty `events` is a barrier: `done` runs once every update() made before it is committed.
  using EnqueueDone = std::function<void(Result<EnqueueResult>)>;
  virtual void enqueue(std::vector<NewEvent> events, EnqueueDone done) = 0;

  // Applies delivery state changes (asynchronous, batched with other writes; durable soon after).
  virtual void update(std::vector<DeliveryUpdate> updates) = 0;

  // Status of one event, or nullopt when unknown.
  virtual Result<std::optional<EventStatus>> lookup(const std::string& event_id) = 0;

  // Up to `limit` pending deliveries of `destination` with seq > after_seq, in seq order.
  virtual Result<std::vector<PendingDelivery>> load_pending(const std::string& destination, int64_t after_seq,
                                                            size_t limit) = 0;

  // Dead letters, optionally filtered ("" = all), newest first, at most `limit`.
  virtual Result<std::vector<DeadLetter>> dead_letters(const std::string& destination, const std::string& event_id,
                                                       size_t limit) = 0;

  // Turns matching `failed` deliveries back into `pending` with attempts reset; returns how many.
  virtual Result<int64_t> replay(const std::string& destination, const std::string& event_id) = 0;

  // A counter bumped by every replay() that re-queued something, from any process (`fanout dlq replay`
  // runs beside the gateway): delivery re-reads its pending work when it changes.
  virtual Result<int64_t> replay_generation() { return 0; }

  // --- Console reads (the web console). Spools that do not implement them answer "unsupported". ---

  // Up to `limit` events with seq > after_seq, newest first.
  virtual Result<std::vector<StoredEvent>> recent_events(int64_t after_seq, size_t limit) {
    return unsupported();
  }
  // The event with this id, or nullopt.
  virtual Result<std::optional<StoredEvent>> find_event(const std::string& event_id) { return unsupported(); }
  // Every delivery of the events with from_seq <= seq <= to_seq (fresh pending ones included), by seq.
  virtual Result<std::vector<SeqDelivery>> delivery_states(int64_t from_seq, int64_t to_seq) {
    return unsupported();
  }
  // The kept attempt history of every delivery of event `seq`, newest first.
  virtual Result<std::vector<AttemptEntry>> attempts(int64_t seq) { return unsupported(); }
  // Deliveries per destination and state over the whole spool (a scan of every delivery: callers cache).
  virtual Result<std::vector<StateCount>> state_counts() { return unsupported(); }
  // True when an event becomes readable only after every event of a lower seq (one writer commits in
  // seq order). Several nodes take seqs from one sequence and commit in any order: a reader that asks
  // for "seq > the newest seen" would miss an event committed late with a lower seq.
  virtual bool seqs_in_commit_order() const { return true; }

  // Deletes events older than `cutoff_ms` whose deliveries are all final; returns how many.
  virtual Result<int64_t> purge(int64_t cutoff_ms) = 0;

  // True while the spool can accept writes (for /readyz).
  virtual bool writable() = 0;

  // The live size last measured against max_bytes, for fanout_spool_bytes; -1 when unknown.
  virtual int64_t live_bytes() { return -1; }
  // A spool shared by several nodes: false while this node cannot prove it still owns the deliveries it
  // holds (its database is unreachable, or its lease may have lapsed and been taken over). Delivery
  // sends nothing new meanwhile. A spool of one node always owns its work.
  virtual bool may_send() { return true; }
  // A spool shared by several nodes: moves each time this node lost its claim on its pending work (its
  // lease lapsed and other nodes may have taken any of it over). Delivery then drops every event it holds
  // in memory that is not in flight and reads its work again from the spool; read it after may_send(), so
  // that a node sending again after a lapse has always dropped what it held before. Always 0 for one node.
  virtual uint64_t lease_epoch() { return 0; }

  // Waits until every accepted write is committed and stops the writer.
  virtual void close() = 0;

 protected:
  static tl::unexpected<Error> unsupported() {
    return tl::unexpected(Error{"unsupported", "not supported by this spool backend", ""});
  }
};

// A write fault of the spool or its end, reported for the owner's logs (spool/ does not log).
struct SpoolFault {
  enum class Kind {
    write_failed,      // a commit failed (disk full, I/O error): enqueues get 503, outcomes are held back
    write_recovered,   // a commit or probe succeeded again after failures
    outcomes_dropped,  // closing while writes still fail: held-back outcomes stay pending (sent again)
  };
  Kind kind = Kind::write_failed;
  std::string detail;       // SQLite's message, or what happened
  size_t held_outcomes = 0;  // delivery outcomes waiting to be written
};

struct SqliteOptions {
  std::string path;                                 // database file; its directory is created if missing
  int64_t max_bytes = 1073741824;                   // above this live size, enqueue fails with "unavailable"
  int64_t idempotency_ms = 7LL * 24 * 3600 * 1000;  // duplicate window for event_id
  size_t max_group = 4096;                          // most events committed in one transaction
  size_t max_queue_bytes = 64 << 20;  // enqueues waiting for the writer; beyond it enqueue fails "unavailable"
  // Delivery-state updates waiting for the writer (~110 bytes each); beyond it update() waits. The writer
  // serves enqueues first, so under an intake burst updates pile up: this bounds their memory (~10 MB)
  // and slows delivery instead, and never makes an enqueue fail.
  size_t max_update_bytes = 8 << 20;
  // While writes fail: how often held-back delivery outcomes are retried, or (nothing held back) a probe
  // write is made, so writable() and /readyz recover on their own once space returns.
  int64_t fault_retry_ms = 1000;
  // Called on the writer thread on each change between failing and working writes, and on close. Optional.
  std::function<void(const SpoolFault&)> on_fault;
};

// Opens (creating if needed) the SQLite spool: WAL, synchronous=FULL, one writer thread.
Result<std::unique_ptr<Spool>> open_sqlite(const SqliteOptions& options);

struct PostgresOptions {
  std::string url;                                  // libpq URI or conninfo (holds the password: never logged)
  std::string url_key = "spool.url_env";            // the config key it came from, named in errors
  std::string node_id;                              // shown in logs, metrics, fanout_nodes
  int64_t lease_ms = 10000;                         // a dead node's work is claimable after this
  int64_t idempotency_ms = 7LL * 24 * 3600 * 1000;  // duplicate window for event_id (purge age)
  size_t max_group = 4096;                          // most events committed in one transaction
  size_t max_queue_bytes = 64 << 20;                // as SqliteOptions
  size_t max_update_bytes = 8 << 20;                // as SqliteOptions
  // Above this size of fanout's tables (pg_total_relation_size: heap, TOAST and indexes), enqueue fails
  // with "unavailable" and writable() is false. Sampled by the lease thread, every lease_ms / 3.
  // 0: no bound (the default: see spool.max_bytes in app/config.cpp).
  int64_t max_bytes = 0;
  bool serve = true;  // false (CLI tools): no node row, no leases, reads and admin only
};

// Connects to PostgreSQL, creates or upgrades the schema, registers this node (when serving).
Result<std::unique_ptr<Spool>> open_postgres(const PostgresOptions& options);

}  // namespace fanout::spool
