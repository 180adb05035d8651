#include "spool/postgres_spool.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>

#include "core/clock.h"
#include "spool/pg_schema.h"
#include "telemetry/log.h"

namespace fanout::spool {
namespace {

using P = PgParams;

// Reconnection backoff of the writer and reader connections: doubles from the first to the last.
constexpr int64_t kMinBackoffMs = 100;
constexpr int64_t kMaxBackoffMs = 2000;
// Most delivery-state updates in one transaction (as the SQLite spool: an enqueue queued behind them
// waits one short transaction at most).
constexpr size_t kUpdatesPerGroup = 512;
// Events deleted per purge transaction: short transactions, no long lock on the events table.
constexpr int64_t kPurgeChunk = 2000;
// Node ids of this process whose rows its outcomes may still finish (one more per lease lost). An
// outcome of a row owned by an older one is not written: the row stays pending and is sent again.
constexpr size_t kOwnedIds = 8;
// Rough per-row overhead (vectors, strings, callbacks) added to the payload when sizing the queue.
constexpr size_t kRowOverhead = 96;

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

size_t enqueue_bytes(const std::vector<NewEvent>& events) {
  size_t bytes = 0;
  for (const auto& e : events) {
    bytes += kRowOverhead + e.event_id.size() + e.payload.size();
    for (const auto& d : e.deliveries) bytes += kRowOverhead + d.destination.size() + d.reason.size();
  }
  return bytes;
}

size_t update_bytes(const DeliveryUpdate& u) {
  return kRowOverhead + u.destination.size() + u.reason.size() + u.last_error.size();
}

int16_t state_code(State s) {
  switch (s) {
    case State::pending:
      return kPgPending;
    case State::delivered:
      return kPgDelivered;
    case State::failed:
      return kPgFailed;
    case State::skipped:
      return kPgSkipped;
  }
  return kPgPending;
}

// Errors worth trying again as they are: the connection is gone, or PostgreSQL chose this transaction
// as a deadlock or serialization victim.
bool retryable(const Error& e) {
  return e.code == "unavailable" || e.code == "pg_40P01" || e.code == "pg_40001";
}

tl::unexpected<Error> closed_error() { return fail("unavailable", "spool is closed"); }

int64_t clamp_limit(size_t limit) {
  return limit > static_cast<size_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                          : static_cast<int64_t>(limit);
}

// A group of accepted events is one transaction of one to three statements (a round trip each), none
// of which joins: planning a single statement that did it all (a data-modifying WITH per table, joined
// on event_id) cost more than executing it, 28% of the writer's CPU. First the events, sorted by
// event_id so two nodes inserting the same ids take their locks in the same order and never deadlock.
// A duplicate event_id inserts nothing (unique constraint: no read-then-write race between nodes) and
// is absent from the returned rows; the writer then sends the deliveries of the others, with the seqs
// this returned.
constexpr const char* kEventsSql = R"sql(
INSERT INTO fanout_events(event_id, received_at_ms, payload)
SELECT event_id, received_at_ms, payload FROM unnest($1::text[], $2::int8[], $3::text[])
  AS ev(event_id, received_at_ms, payload)
ORDER BY event_id
ON CONFLICT (event_id) DO NOTHING RETURNING seq, event_id
)sql";

// Pending deliveries, owned by this node from the start.
constexpr const char* kPendingSql = R"sql(
INSERT INTO fanout_outbox(seq, destination, owner, attempts, next_attempt_at_ms, updated_at_ms, last_error)
SELECT seq, destination, $7, attempts, next_attempt_at_ms, updated_at_ms, last_error
FROM unnest($1::int8[], $2::int2[], $3::int4[], $4::int8[], $5::int8[], $6::text[])
  AS d(seq, destination, attempts, next_attempt_at_ms, updated_at_ms, last_error)
)sql";

// Deliveries final from the start (skipped).
constexpr const char* kFinalSql = R"sql(
INSERT INTO fanout_deliveries(seq, destination, state, reason, attempts, updated_at_ms, next_attempt_at_ms,
                              last_error)
SELECT * FROM unnest($1::int8[], $2::int2[], $3::int2[], $4::text[], $5::int4[], $6::int8[], $7::int8[], $8::text[])
)sql";

// Delivery outcomes, one statement: a final one moves the row from the outbox to fanout_deliveries
// (only while it is still pending), a retry updates the outbox row; both only while the row is owned by
// one of this process's node ids ($11): a node that was cut off longer than its lease never records an
// outcome for a delivery another node took over (that node records its own). The parts touch different
// rows (one outcome per delivery), which is what data-modifying WITH clauses in one statement require;
// the DELETE returns the outcome itself (from its USING list), so nothing is joined. Empty arrays make
// a part a no-op. A delivery is in the outbox or in fanout_deliveries, never both, so the outcome is a
// plain INSERT: an upsert (speculative insertion, one WAL record more per outcome) cost 15% more of
// PostgreSQL's CPU per event in alternating runs. Should a row be there anyway (a unique violation),
// the group is written again with the upsert (`upsert`), never dropped. The writer connections plan it without sequential scans or hash joins (see
// kWriterSettings): probing the outbox's primary key per outcome is right at every table size.
std::string outcomes_sql(bool upsert) {
  return std::string(R"sql(
WITH gone AS (DELETE FROM fanout_outbox o
              USING unnest($1::int8[], $2::int2[], $3::int2[], $4::text[], $5::int4[])
                AS u(seq, destination, state, reason, attempts)
              WHERE o.destination = u.destination AND o.seq = u.seq AND o.owner = ANY ($11::int8[])
              RETURNING u.seq, u.destination, u.state, u.reason, u.attempts),
outcome AS (INSERT INTO fanout_deliveries(seq, destination, state, reason, attempts, updated_at_ms)
            SELECT seq, destination, state, reason, attempts, $10 FROM gone)sql") +
         (upsert ? R"sql(
            ON CONFLICT (seq, destination) DO UPDATE SET state = excluded.state, reason = excluded.reason,
              attempts = excluded.attempts, updated_at_ms = excluded.updated_at_ms, next_attempt_at_ms = 0,
              last_error = '')sql"
                 : "") +
         R"sql(),
retry AS (UPDATE fanout_outbox o SET attempts = r.attempts, next_attempt_at_ms = r.next_attempt_at_ms,
            last_error = r.last_error, updated_at_ms = $10
          FROM unnest($6::int8[], $7::int2[], $8::int4[], $9::int8[], $12::text[])
            AS r(seq, destination, attempts, next_attempt_at_ms, last_error)
          WHERE o.destination = r.destination AND o.seq = r.seq AND o.owner = ANY ($11::int8[]))
SELECT count(*) FROM gone
)sql";
}

// Session settings of the two writer connections. Their statements reach table rows only by key (the
// outbox's primary key per outcome): a sequential scan joined by hash, which the planner picks for the
// outbox while it holds a few thousand rows (most of them dead until vacuum runs), read the whole
// table once per group of outcomes, 5 ms of a 15 ms statement at 3,500 events/s. With no plan choice
// left that depends on the tables' size, each statement is planned once (a generic plan); this
// plan_cache_mode comes after PgConn's default custom plans, so it is the one that holds.
constexpr const char* kWriterSettings =
    "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off -c enable_hashjoin=off -c enable_mergejoin=off";

// This node's pending rows of one destination after a seq, claiming on the way the rows of nodes
// whose lease lapsed (or of none: replayed dead letters). SKIP LOCKED: a row another node is claiming
// right now is simply not ours this time.
constexpr const char* kClaimSql = R"sql(
WITH c AS (
  SELECT o.seq, o.owner, o.attempts, o.next_attempt_at_ms FROM fanout_outbox o
  WHERE o.destination = $1 AND o.seq > $2
    AND (o.owner = $3 OR o.owner IS NULL
         OR NOT EXISTS (SELECT 1 FROM fanout_nodes n WHERE n.id = o.owner AND n.lease_until > now()))
  ORDER BY o.seq LIMIT $4 FOR UPDATE OF o SKIP LOCKED),
u AS (UPDATE fanout_outbox o SET owner = $3 FROM c
      WHERE o.destination = $1 AND o.seq = c.seq AND c.owner IS DISTINCT FROM $3)
SELECT c.seq, c.attempts, c.next_attempt_at_ms, e.payload FROM c JOIN fanout_events e ON e.seq = c.seq
ORDER BY c.seq
)sql";

// An event's pending rows are found by probing the outbox's primary key once per destination id.
constexpr const char* kLookupSql = R"sql(
SELECT e.received_at_ms, n.name, x.state, x.reason, x.attempts, x.updated_at_ms, x.next_attempt_at_ms, x.last_error
FROM fanout_events e
LEFT JOIN LATERAL (
  SELECT o.destination, 0 AS state, ''::text AS reason, o.attempts, o.updated_at_ms, o.next_attempt_at_ms,
         o.last_error
  FROM fanout_outbox o WHERE o.destination = ANY (ARRAY(SELECT id FROM fanout_destinations)) AND o.seq = e.seq
  UNION ALL
  SELECT d.destination, d.state, d.reason, d.attempts, d.updated_at_ms, d.next_attempt_at_ms, d.last_error
  FROM fanout_deliveries d WHERE d.seq = e.seq) x ON true
LEFT JOIN fanout_destinations n ON n.id = x.destination
WHERE e.event_id = $1 ORDER BY n.name
)sql";

constexpr const char* kDeadLettersSql = R"sql(
SELECT e.event_id, n.name, d.reason, d.attempts, d.updated_at_ms FROM fanout_deliveries d
JOIN fanout_events e ON e.seq = d.seq JOIN fanout_destinations n ON n.id = d.destination
WHERE d.state = 2 AND ($1 = '' OR n.name = $1) AND ($2 = '' OR e.event_id = $2)
ORDER BY d.updated_at_ms DESC, d.seq DESC, n.name LIMIT $3
)sql";

// Dead letters back to pending, unowned (the first node to re-read claims them), and the replay
// counter bumped so every node re-reads: one statement, so all of it or nothing. The events are locked
// first (KEY SHARE): a purge running meanwhile skips them (SKIP LOCKED), and an event a purge locked
// first is gone when the lock is granted, so nothing of it is replayed (no outbox row without its event).
constexpr const char* kReplaySql = R"sql(
WITH ev AS (SELECT e.seq FROM fanout_events e
            WHERE ($2 = '' OR e.event_id = $2)
              AND e.seq IN (SELECT d.seq FROM fanout_deliveries d WHERE d.state = 2
                              AND ($1 = '' OR d.destination = (SELECT id FROM fanout_destinations WHERE name = $1)))
            FOR KEY SHARE OF e),
r AS (DELETE FROM fanout_deliveries d USING ev WHERE d.seq = ev.seq AND d.state = 2
        AND ($1 = '' OR d.destination = (SELECT id FROM fanout_destinations WHERE name = $1))
      RETURNING d.seq, d.destination),
i AS (INSERT INTO fanout_outbox(seq, destination, owner, updated_at_ms) SELECT seq, destination, NULL, $3 FROM r),
m AS (UPDATE fanout_meta SET value = value + 1 WHERE key = 'replays' AND EXISTS (SELECT 1 FROM r))
SELECT count(*) FROM r
)sql";

// Purge, one chunk per transaction of two statements. First the oldest finished events are locked,
// skipping any another transaction holds (a second node purging at the same time, a replay), so two
// purges take disjoint chunks and never wait for each other. Then, in a statement with a fresh snapshot,
// those still without a pending delivery are deleted with their outcomes: a replay that
// committed between the first statement's snapshot and its lock is seen, and its event kept.
constexpr const char* kPurgeLockSql = R"sql(
SELECT x.seq FROM fanout_events x WHERE x.received_at_ms < $1
  AND NOT EXISTS (SELECT 1 FROM fanout_outbox o
                  WHERE o.destination = ANY (ARRAY(SELECT id FROM fanout_destinations)) AND o.seq = x.seq)
ORDER BY x.received_at_ms LIMIT $2 FOR UPDATE OF x SKIP LOCKED
)sql";

constexpr const char* kPurgeSql = R"sql(
WITH d AS (DELETE FROM fanout_events e WHERE e.seq = ANY ($1::int8[])
             AND NOT EXISTS (SELECT 1 FROM fanout_outbox o
                             WHERE o.destination = ANY (ARRAY(SELECT id FROM fanout_destinations))
                               AND o.seq = e.seq)
           RETURNING e.seq),
r AS (DELETE FROM fanout_deliveries WHERE seq IN (SELECT seq FROM d))
SELECT count(*) FROM d
)sql";

// What spool.max_bytes counts: every table of fanout with its TOAST and indexes, as allocated on disk.
constexpr const char* kSizeSql = R"sql(
SELECT coalesce(sum(pg_total_relation_size(to_regclass(t))), 0)::int8
FROM unnest(ARRAY['fanout_schema', 'fanout_meta', 'fanout_nodes', 'fanout_destinations', 'fanout_events',
                  'fanout_outbox', 'fanout_deliveries']) AS t
)sql";

// Inserting first, then reading: in one statement the SELECT would not see a name another node added
// meanwhile, so a miss is retried by the caller.
constexpr const char* kDestinationSql = R"sql(
WITH i AS (INSERT INTO fanout_destinations(name) SELECT $1 WHERE $2 = 1 ON CONFLICT (name) DO NOTHING RETURNING id)
SELECT id FROM i UNION ALL SELECT id FROM fanout_destinations WHERE name = $1
)sql";

}  // namespace

PostgresSpool::PostgresSpool(PostgresOptions options) : options_(std::move(options)) {}

PostgresSpool::~PostgresSpool() { close(); }

Status PostgresSpool::register_node(PgConn& conn) {
  P p;
  p.text(options_.node_id);
  p.int8(options_.lease_ms);
  const int64_t sent = steady_ms();
  auto r = conn.run("node_add", p);
  if (!r) return tl::unexpected(r.error());
  node_ = r->int64(0, 0);
  {
    std::unique_lock lock(lease_mu_);
    owned_ids_.push_back(node_.load());
  }
  proven_until_ms_ = sent + options_.lease_ms;
  return {};
}

std::vector<int64_t> PostgresSpool::owned_ids() {
  std::shared_lock lock(lease_mu_);
  return owned_ids_;
}

void PostgresSpool::measure_size(PgConn& conn) {
  auto r = conn.run("size", P{});
  if (!r || r->rows() != 1) return;
  const int64_t bytes = r->int64(0, 0);
  live_bytes_ = bytes;
  const bool over = options_.max_bytes > 0 && bytes > options_.max_bytes;
  if (over_size_.exchange(over) != over) {
    log::Line(over ? "spool_full" : "spool_below_max_bytes", over ? log::Level::error : log::Level::info)
        .num("bytes", bytes)
        .num("max_bytes", options_.max_bytes)
        .emit();
  }
}

Status PostgresSpool::prepare_writer(PgConn& conn) {
  using V = std::vector<unsigned>;
  struct Def {
    const char* name;
    std::string sql;
    V types;
  };
  const V outcome_types{P::kInt8Array, P::kInt2Array, P::kInt2Array, P::kTextArray, P::kInt4Array, P::kInt8Array,
                        P::kInt2Array, P::kInt4Array, P::kInt8Array, P::kInt8,      P::kInt8Array, P::kTextArray};
  const Def defs[] = {
      {"events", kEventsSql, V{P::kTextArray, P::kInt8Array, P::kTextArray}},
      {"pending", kPendingSql,
       V{P::kInt8Array, P::kInt2Array, P::kInt4Array, P::kInt8Array, P::kInt8Array, P::kTextArray, P::kInt8}},
      {"final", kFinalSql,
       V{P::kInt8Array, P::kInt2Array, P::kInt2Array, P::kTextArray, P::kInt4Array, P::kInt8Array, P::kInt8Array,
         P::kTextArray}},
      {"outcomes", outcomes_sql(false), outcome_types},
      {"outcomes_upsert", outcomes_sql(true), outcome_types},
      {"destination", kDestinationSql, V{P::kText, P::kInt8}},
      {"node_add", "INSERT INTO fanout_nodes(name, lease_until) VALUES ($1, now() + $2 * interval '1 millisecond') "
                   "RETURNING id",
       V{P::kText, P::kInt8}},
      {"node_release", "UPDATE fanout_nodes SET lease_until = now() - interval '1 millisecond' WHERE id = $1",
       V{P::kInt8}},
  };
  for (const auto& d : defs)
    if (auto s = conn.prepare(d.name, d.sql, d.types); !s) return s;
  return {};
}

Status PostgresSpool::prepare_reader() {
  using V = std::vector<unsigned>;
  struct Def {
    const char* name;
    const char* sql;
    V types;
  };
  const Def defs[] = {
      {"claim", kClaimSql, V{P::kInt2, P::kInt8, P::kInt8, P::kInt8}},
      {"lookup", kLookupSql, V{P::kText}},
      {"dead_letters", kDeadLettersSql, V{P::kText, P::kText, P::kInt8}},
      {"replay", kReplaySql, V{P::kText, P::kText, P::kInt8}},
      {"purge_lock", kPurgeLockSql, V{P::kInt8, P::kInt8}},
      {"purge", kPurgeSql, V{P::kInt8Array}},
      {"destination", kDestinationSql, V{P::kText, P::kInt8}},
      {"generation",
       "SELECT (SELECT value FROM fanout_meta WHERE key = 'replays'), "
       "EXISTS (SELECT 1 FROM fanout_nodes WHERE lease_until <= now())",
       V{}},
      // A lapsed node whose rows all have new owners is gone for good.
      {"reap",
       "DELETE FROM fanout_nodes n WHERE n.lease_until <= now() "
       "AND NOT EXISTS (SELECT 1 FROM fanout_outbox o WHERE o.owner = n.id)",
       V{}},
  };
  for (const auto& d : defs)
    if (auto s = reader_.prepare(d.name, d.sql, d.types); !s) return s;
  return {};
}

Status PostgresSpool::start() {
  if (options_.url.empty()) return fail("unavailable", options_.url_key + ": the PostgreSQL URL is empty");
  if (auto s = writer_.connect(options_.url, options_.url_key, kWriterSettings); !s) return s;
  if (auto s = pg_create_schema(writer_); !s) return s;
  if (auto s = prepare_writer(writer_); !s) return s;
  if (auto s = reader_.connect(options_.url, options_.url_key); !s) return s;
  if (auto s = prepare_reader(); !s) return s;
  writer_ok_ = true;
  beat_ok_ = true;
  if (!options_.serve) return {};
  if (auto s = register_node(writer_); !s) return s;
  if (auto s = beat_.connect(options_.url, options_.url_key); !s) return s;
  if (auto s = beat_.prepare("renew",
                             "UPDATE fanout_nodes SET lease_until = now() + $2 * interval '1 millisecond' "
                             "WHERE id = $1 AND lease_until > now() RETURNING id",
                             {P::kInt8, P::kInt8});
      !s)
    return s;
  if (auto s = beat_.prepare("node_add",
                             "INSERT INTO fanout_nodes(name, lease_until) VALUES ($1, now() + $2 * interval "
                             "'1 millisecond') RETURNING id",
                             {P::kText, P::kInt8});
      !s)
    return s;
  if (auto s = beat_.prepare("size", kSizeSql, {}); !s) return s;
  measure_size(beat_);  // a node starting over max_bytes refuses events from its first request
  if (auto s = outcome_conn_.connect(options_.url, options_.url_key, kWriterSettings); !s) return s;
  if (auto s = prepare_writer(outcome_conn_); !s) return s;
  outcomes_ok_ = true;
  writer_thread_ = std::thread([this] { run_writer(Role::acks); });
  outcome_thread_ = std::thread([this] { run_writer(Role::outcomes); });
  beat_thread_ = std::thread([this] { run_heartbeat(); });
  return {};
}

void PostgresSpool::enqueue(std::vector<NewEvent> events, EnqueueDone done) {
  const size_t bytes = enqueue_bytes(events);
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && options_.serve) {
      EnqueueOp op{std::move(events), std::move(done), bytes, updates_pushed_, {}};
      // Refused rather than waiting (a 503 lets the CRM retry later); answered on the writer thread. A
      // barrier (no events) is never refused: it writes nothing.
      if (!op.events.empty() && over_size_) {
        op.refusal = "spool is full: fanout's tables hold " + std::to_string(live_bytes_.load()) +
                     " bytes, above spool.max_bytes " + std::to_string(options_.max_bytes);
      } else if (queued_bytes_ + bytes > options_.max_queue_bytes) {
        op.refusal = "spool write queue is full";
      }
      if (refused(op)) {
        op.events.clear();
        op.bytes = 0;
      }
      queued_bytes_ += op.bytes;
      queue_.push_back(std::move(op));
      work_cv_.notify_all();  // two writers wait on it: each checks its own queue
      return;
    }
  }
  done(closed_error());
}

void PostgresSpool::update(std::vector<DeliveryUpdate> updates) {
  if (updates.empty()) return;
  size_t bytes = 0;
  for (const auto& u : updates) bytes += update_bytes(u);
  std::unique_lock lock(mu_);
  // Backpressure on delivery while the database keeps up. While it is unreachable the outcomes are
  // kept whatever their size (never dropped): delivery sends nothing new meanwhile (may_send() is
  // false), so they are bounded by what was in flight.
  space_cv_.wait(lock, [&] {
    return stopping_ || !outcomes_ok_ || updates_.empty() || update_bytes_ + bytes <= options_.max_update_bytes;
  });
  if (stopping_) return;  // as the SQLite spool: those deliveries stay pending and resume (at-least-once)
  for (auto& u : updates) updates_.push_back(std::move(u));
  updates_pushed_ += updates.size();
  update_bytes_ += bytes;
  work_cv_.notify_all();  // two writers wait on it: each checks its own queue
}

void PostgresSpool::run_writer(Role role) {
  // Acknowledgements and delivery outcomes commit on separate connections, so a client's 202 never
  // waits behind a statement of outcomes (they touch different rows: new events vs earlier ones).
  const bool acks = role == Role::acks;
  pthread_setname_np(pthread_self(), acks ? "spool-pg-writer" : "spool-outcomes");  // at most 15 characters
  PgConn& conn = acks ? writer_ : outcome_conn_;
  auto& ids = acks ? writer_ids_ : outcome_ids_;
  std::atomic<bool>& ok = acks ? writer_ok_ : outcomes_ok_;
  int64_t backoff = kMinBackoffMs;
  int64_t retry_at = 0;
  bool final_attempt = false;  // stopping with the database gone: one reconnect, then give up
  for (;;) {
    std::vector<EnqueueOp> ops;
    std::vector<DeliveryUpdate> updates;
    bool connected = conn.ok();
    {
      std::unique_lock lock(mu_);
      // A barrier (an enqueue without events) waits until the outcomes reported before it are committed.
      auto blocked = [&](const EnqueueOp& q) {
        return q.events.empty() && !refused(q) && q.after_updates > updates_done_;
      };
      auto has_work = [&] {
        if (acks) return !queue_.empty() && (!connected || !blocked(queue_.front()));
        return !updates_.empty() && connected;
      };
      auto ready = [&] { return stopping_ || has_work(); };
      if (connected) {
        work_cv_.wait(lock, ready);
      } else {
        work_cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(retry_at - steady_ms(), 0)), ready);
      }
      if (acks && stopping_ && queue_.empty()) return;
      if (!acks && stopping_ && updates_.empty()) return;
      if (acks && stopping_ && connected && !has_work()) {
        // A barrier waiting for outcomes that will not come (their writer gave up): answered as unavailable.
        ops.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
        queue_.clear();
        queued_bytes_ = 0;
        connected = false;
      } else if (!connected) {
        if (acks) {
          // Nothing can commit: every waiting enqueue is refused at once (503).
          ops.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
          queue_.clear();
          queued_bytes_ = 0;
        } else if (stopping_ && final_attempt) {
          log::Line("spool_updates_abandoned", log::Level::error)
              .num("updates", static_cast<int64_t>(updates_.size()))
              .str("reason", "PostgreSQL unreachable at shutdown; those deliveries stay pending")
              .emit();
          updates_done_ += updates_.size();
          updates_.clear();
          update_bytes_ = 0;
          work_cv_.notify_all();
          return;
        }
      } else if (acks) {
        size_t items = 0;
        while (!queue_.empty() && !blocked(queue_.front())) {
          const EnqueueOp& q = queue_.front();
          if (!ops.empty() && items + q.events.size() > options_.max_group) break;
          items += q.events.size();
          queued_bytes_ -= q.bytes;
          ops.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      } else {
        while (!updates_.empty() && updates.size() < kUpdatesPerGroup) {
          update_bytes_ -= update_bytes(updates_.front());
          updates.push_back(std::move(updates_.front()));
          updates_.pop_front();
        }
      }
    }
    space_cv_.notify_all();

    if (!connected) {
      for (auto& op : ops) op.done(fail("unavailable", "PostgreSQL is unreachable"));
      bool stopping;
      {
        std::lock_guard lock(mu_);
        stopping = stopping_;
      }
      if (acks && stopping) continue;  // the queue is empty now: the loop ends
      // Stopping: one immediate attempt (no waiting out the backoff), then the updates are given up.
      if (steady_ms() < retry_at && !stopping) continue;
      if (auto s = conn.reconnect(); s) {
        log::Line("spool_reconnected").str("connection", acks ? "writer" : "outcomes").emit();
        backoff = kMinBackoffMs;
        ok = true;
      } else {
        log::Line("spool_reconnect_failed", log::Level::warn).str("error", s.error().message).emit();
        backoff = std::min(backoff * 2, kMaxBackoffMs);
        retry_at = steady_ms() + backoff;
        final_attempt = stopping;
      }
      continue;
    }

    // Ack writer: the events written under this node id reach delivery (through the callbacks below)
    // before the lease thread may replace the id (see lease_mu_).
    std::shared_lock<std::shared_mutex> lease_lock;
    std::vector<int64_t> owners;
    if (acks) {
      lease_lock = std::shared_lock(lease_mu_);
      owners = owned_ids_;
    } else {
      owners = owned_ids();
    }
    auto results = write_group(conn, ids, ops, updates, owners);
    if (!results) {
      const Error& e = results.error();
      if (!conn.ok()) {
        ok = false;
        space_cv_.notify_all();  // update() no longer waits for room: nothing drains until reconnection
        retry_at = steady_ms() + backoff;
        log::Line("spool_unavailable", log::Level::error).str("error", e.message).emit();
      }
      const bool keep = retryable(e);
      if (!keep && !updates.empty()) {
        log::Line("spool_updates_failed", log::Level::error)
            .num("updates", static_cast<int64_t>(updates.size()))
            .str("error", e.message)
            .emit();
      }
      {
        std::lock_guard lock(mu_);
        if (keep) {
          // Back in front, in order: recorded as soon as the database answers again.
          for (auto it = updates.rbegin(); it != updates.rend(); ++it) {
            update_bytes_ += update_bytes(*it);
            updates_.push_front(std::move(*it));
          }
        } else {
          updates_done_ += updates.size();
        }
      }
      work_cv_.notify_all();
      for (auto& op : ops)
        op.done(tl::unexpected(Error{"unavailable", "spool: commit failed: " + e.message, ""}));
      continue;
    }
    if (!updates.empty()) {
      {
        std::lock_guard lock(mu_);
        updates_done_ += updates.size();
      }
      work_cv_.notify_all();  // a barrier may be waiting for these
    }
    log::Batch lines;  // the callbacks answer their requests, each with a log line: one write() for them all
    for (size_t i = 0; i < ops.size(); ++i) {
      if (refused(ops[i])) {
        ops[i].done(fail("unavailable", ops[i].refusal));
      } else {
        ops[i].done(std::move((*results)[i]));
      }
    }
  }
}

Result<int16_t> PostgresSpool::destination_id(PgConn& conn, std::map<std::string, int16_t>& ids,
                                              const std::string& name, bool add) {
  if (auto it = ids.find(name); it != ids.end()) return it->second;
  for (int attempt = 0; attempt < 2; ++attempt) {
    P p;
    p.text(name);
    p.int8(add ? 1 : 0);
    auto r = conn.run("destination", p);
    if (!r) return tl::unexpected(r.error());
    if (r->rows() > 0) {
      const auto id = static_cast<int16_t>(r->int64(0, 0));
      ids.emplace(name, id);
      return id;
    }
    if (!add) return int16_t{0};
  }
  return fail("internal", "spool: destination " + name + " could not be added");
}

Result<std::vector<Result<EnqueueResult>>> PostgresSpool::write_group(PgConn& conn,
                                                                      std::map<std::string, int16_t>& ids_of,
                                                                      std::vector<EnqueueOp>& ops,
                                                                      std::vector<DeliveryUpdate>& updates,
                                                                      const std::vector<int64_t>& owners) {
  if (!updates.empty()) {
    if (auto s = write_outcomes(conn, ids_of, updates, owners); !s) return tl::unexpected(s.error());
  }
  std::vector<Result<EnqueueResult>> results(ops.size());
  // Each event_id once per group: the first occurrence in arrival order is inserted, any later one in
  // the same group is a duplicate of it.
  struct First {
    size_t op, index;
  };
  std::unordered_map<std::string_view, First> first;
  std::vector<Error> invalid(ops.size());
  std::vector<bool> is_invalid(ops.size(), false);
  std::vector<std::string_view> ids, payloads;
  std::vector<int64_t> received;
  for (size_t o = 0; o < ops.size(); ++o) {
    if (refused(ops[o])) continue;
    const auto& events = ops[o].events;
    for (const NewEvent& e : events) {
      for (size_t i = 0; i < e.deliveries.size() && !is_invalid[o]; ++i)
        for (size_t j = 0; j < i; ++j)
          if (e.deliveries[i].destination == e.deliveries[j].destination) {
            is_invalid[o] = true;
            invalid[o] = Error{"internal", "spool: event " + e.event_id + " lists destination " +
                                               e.deliveries[i].destination + " twice", "deliveries"};
            break;
          }
    }
    if (is_invalid[o]) continue;
    for (size_t i = 0; i < events.size(); ++i) {
      const NewEvent& e = events[i];
      if (!first.emplace(e.event_id, First{o, i}).second) continue;
      for (const Delivery& d : e.deliveries) {
        // Resolved first: a new destination name commits on its own.
        if (auto id = destination_id(conn, ids_of, d.destination, true); !id) return tl::unexpected(id.error());
      }
      ids.push_back(e.event_id);
      received.push_back(e.received_at_ms);
      payloads.push_back(e.payload);
    }
  }

  std::unordered_map<std::string_view, int64_t> seqs;
  if (!ids.empty()) {
    if (auto r = conn.exec("BEGIN"); !r) return tl::unexpected(r.error());
    auto rollback = [&](Error e) -> Result<std::vector<Result<EnqueueResult>>> {
      if (conn.ok()) (void)conn.exec("ROLLBACK");
      return tl::unexpected(std::move(e));
    };
    P ev;
    ev.text_array(ids);
    ev.int8_array(received);
    ev.text_array(payloads);
    auto inserted = conn.run("events", ev);
    if (!inserted) return rollback(inserted.error());
    for (int row = 0; row < inserted->rows(); ++row) {
      // The views point into the ops' strings, which outlive this map.
      auto it = first.find(inserted->text(row, 1));
      if (it != first.end()) seqs.emplace(it->first, inserted->int64(row, 0));
    }
    // The deliveries of the events just inserted (not of duplicates).
    std::vector<std::string_view> p_errors, f_reasons, f_errors;
    std::vector<int64_t> p_seq, p_next, p_updated, f_seq, f_updated, f_next;
    std::vector<int16_t> p_dest, f_dest, f_state;
    std::vector<int32_t> p_attempts, f_attempts;
    for (const auto& [event_id, at] : first) {
      auto s = seqs.find(event_id);
      if (s == seqs.end()) continue;
      const NewEvent& e = ops[at.op].events[at.index];
      for (const Delivery& d : e.deliveries) {
        const int16_t dest = ids_of.at(d.destination);
        const int64_t updated = d.updated_at_ms != 0 ? d.updated_at_ms : e.received_at_ms;
        if (d.state == State::pending) {
          p_seq.push_back(s->second);
          p_dest.push_back(dest);
          p_attempts.push_back(d.attempts);
          p_next.push_back(d.next_attempt_at_ms);
          p_updated.push_back(updated);
          p_errors.push_back(d.last_error);
        } else {
          f_seq.push_back(s->second);
          f_dest.push_back(dest);
          f_state.push_back(state_code(d.state));
          f_reasons.push_back(d.reason);
          f_attempts.push_back(d.attempts);
          f_updated.push_back(updated);
          f_next.push_back(d.next_attempt_at_ms);
          f_errors.push_back(d.last_error);
        }
      }
    }
    if (!p_seq.empty()) {
      P pend;
      pend.int8_array(p_seq);
      pend.int2_array(p_dest);
      pend.int4_array(p_attempts);
      pend.int8_array(p_next);
      pend.int8_array(p_updated);
      pend.text_array(p_errors);
      pend.int8(node_.load());
      if (auto r = conn.run("pending", pend); !r) return rollback(r.error());
    }
    if (!f_seq.empty()) {
      P fin;
      fin.int8_array(f_seq);
      fin.int2_array(f_dest);
      fin.int2_array(f_state);
      fin.text_array(f_reasons);
      fin.int4_array(f_attempts);
      fin.int8_array(f_updated);
      fin.int8_array(f_next);
      fin.text_array(f_errors);
      if (auto r = conn.run("final", fin); !r) return rollback(r.error());
    }
    if (auto r = conn.exec("COMMIT"); !r) return rollback(r.error());
  }
  for (size_t o = 0; o < ops.size(); ++o) {
    if (is_invalid[o]) {
      results[o] = tl::unexpected(invalid[o]);  // fails alone, as in the SQLite spool
      continue;
    }
    for (size_t i = 0; i < ops[o].events.size(); ++i) {
      const NewEvent& e = ops[o].events[i];
      auto f = first.find(e.event_id);
      const bool mine = f != first.end() && f->second.op == o && f->second.index == i;
      auto s = mine ? seqs.find(f->first) : seqs.end();
      const int64_t seq = s == seqs.end() ? 0 : s->second;
      results[o]->seq.push_back(seq);
      results[o]->duplicate.push_back(seq == 0);
    }
  }
  return results;
}

Status PostgresSpool::write_outcomes(PgConn& conn, std::map<std::string, int16_t>& ids,
                                     const std::vector<DeliveryUpdate>& updates, const std::vector<int64_t>& owners) {
  // Each update's destination id, 0 for a name never stored (no such delivery: nothing to write).
  std::vector<int16_t> dest(updates.size());
  for (size_t i = 0; i < updates.size(); ++i) {
    auto id = destination_id(conn, ids, updates[i].destination, false);
    if (!id) return tl::unexpected(id.error());
    dest[i] = *id;
  }
  // The last update of a delivery wins (a retry then its outcome arrive in that order); the rest commute.
  // A delivery's key is its seq and destination id (an int2, below 2^15) in one integer, as the SQLite
  // writer keys its runs: seqs stay far below 2^48.
  auto key = [&](size_t i) { return updates[i].seq << 16 | dest[i]; };
  std::unordered_map<int64_t, size_t> last;
  for (size_t i = 0; i < updates.size(); ++i) last[key(i)] = i;
  std::vector<int64_t> f_seq, r_seq, r_next;
  std::vector<int16_t> f_dest, f_state, r_dest;
  std::vector<std::string_view> f_reason, r_error;
  std::vector<int32_t> f_attempts, r_attempts;
  for (size_t i = 0; i < updates.size(); ++i) {
    const DeliveryUpdate& u = updates[i];
    if (dest[i] == 0 || last[key(i)] != i) continue;
    if (u.state == State::pending) {
      r_seq.push_back(u.seq);
      r_dest.push_back(dest[i]);
      r_attempts.push_back(u.attempts);
      r_next.push_back(u.next_attempt_at_ms);
      r_error.push_back(u.last_error);
    } else {
      f_seq.push_back(u.seq);
      f_dest.push_back(dest[i]);
      f_state.push_back(state_code(u.state));
      f_reason.push_back(u.reason);
      f_attempts.push_back(u.attempts);
    }
  }
  if (f_seq.empty() && r_seq.empty()) return {};
  P p;
  p.int8_array(f_seq);
  p.int2_array(f_dest);
  p.int2_array(f_state);
  p.text_array(f_reason);
  p.int4_array(f_attempts);
  p.int8_array(r_seq);
  p.int2_array(r_dest);
  p.int4_array(r_attempts);
  p.int8_array(r_next);
  p.int8(now_ms());
  p.int8_array(owners);
  p.text_array(r_error);
  auto r = conn.run("outcomes", p);
  if (!r && r.error().code == "pg_23505") {
    log::Line("spool_outcome_conflict", log::Level::warn)
        .num("outcomes", static_cast<int64_t>(f_seq.size()))
        .str("error", r.error().message)
        .emit();
    r = conn.run("outcomes_upsert", p);
  }
  if (!r) return tl::unexpected(r.error());
  return {};
}

void PostgresSpool::run_heartbeat() {
  pthread_setname_np(pthread_self(), "spool-pg-lease");
  const auto interval = std::chrono::milliseconds(std::max<int64_t>(options_.lease_ms / 3, 1));
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (beat_cv_.wait_for(lock, interval, [&] { return stopping_; })) return;
    }
    if (!beat_.ok()) {
      if (auto s = beat_.reconnect(); !s) {
        beat_ok_ = false;
        continue;
      }
    }
    P p;
    p.int8(node_.load());
    p.int8(options_.lease_ms);
    const int64_t sent = steady_ms();
    auto r = beat_.run("renew", p);
    if (!r) {
      if (beat_ok_.exchange(false))
        log::Line("spool_lease_renewal_failed", log::Level::error).str("error", r.error().message).emit();
      continue;
    }
    if (r->rows() == 1) {
      proven_until_ms_ = sent + options_.lease_ms;
      beat_ok_ = true;
      measure_size(beat_);
      continue;
    }
    // The lease lapsed (the database was out of reach for longer than lease_ms, or this process was
    // paused): other nodes may have taken this node's work. It registers anew; whatever nobody took yet
    // it claims back on its re-read.
    P add;
    add.text(options_.node_id);
    add.int8(options_.lease_ms);
    const int64_t add_sent = steady_ms();
    auto fresh = beat_.run("node_add", add);
    if (!fresh) {
      beat_ok_ = false;
      continue;
    }
    int64_t old = 0;
    {
      // Exclusive: no enqueue is between writing under the old id and handing its events to delivery.
      std::unique_lock lock(lease_mu_);
      old = node_.exchange(fresh->int64(0, 0));
      owned_ids_.push_back(node_.load());
      if (owned_ids_.size() > kOwnedIds) owned_ids_.erase(owned_ids_.begin());
      ++takeovers_;
      // Before proven_until_ms_: delivery reads lease_epoch() after may_send(), so once it may send again
      // it has seen the new epoch and dropped what it held.
      ++lease_epoch_;
    }
    proven_until_ms_ = add_sent + options_.lease_ms;
    beat_ok_ = true;
    log::Line("spool_lease_lost", log::Level::warn).num("old_node", old).num("node", node_.load()).emit();
  }
}

Status PostgresSpool::reader_ready() {
  if (closed_) return closed_error();
  if (reader_.ok()) return {};
  const int64_t now = steady_ms();
  if (now < reader_retry_at_ms_) return fail("unavailable", "PostgreSQL is unreachable");
  if (auto s = reader_.reconnect(); !s) {
    reader_retry_at_ms_ = now + kMaxBackoffMs;
    return s;
  }
  return {};
}

Result<std::optional<EventStatus>> PostgresSpool::lookup(const std::string& event_id) {
  std::lock_guard lock(read_mu_);
  if (auto s = reader_ready(); !s) return tl::unexpected(s.error());
  P p;
  p.text(event_id);
  auto r = reader_.run("lookup", p);
  if (!r) return tl::unexpected(r.error());
  std::optional<EventStatus> status;
  for (int row = 0; row < r->rows(); ++row) {
    if (!status) {
      status.emplace();
      status->event_id = event_id;
      status->received_at_ms = r->int64(row, 0);
    }
    if (r->null(row, 1)) continue;
    Delivery d;
    d.destination = std::string(r->text(row, 1));
    d.state = pg_state(r->int64(row, 2));
    d.reason = std::string(r->text(row, 3));
    d.attempts = static_cast<int>(r->int64(row, 4));
    d.updated_at_ms = r->int64(row, 5);
    d.next_attempt_at_ms = r->int64(row, 6);
    d.last_error = std::string(r->text(row, 7));
    status->deliveries.push_back(std::move(d));
  }
  return status;
}

Result<std::vector<PendingDelivery>> PostgresSpool::load_pending(const std::string& destination, int64_t after_seq,
                                                                 size_t limit) {
  std::lock_guard lock(read_mu_);
  if (auto s = reader_ready(); !s) return tl::unexpected(s.error());
  auto id = destination_id(reader_, reader_ids_, destination, false);
  if (!id) return tl::unexpected(id.error());
  std::vector<PendingDelivery> out;
  if (*id == 0) return out;  // never seen: nothing pending
  P p;
  p.int2(*id);
  p.int8(after_seq);
  p.int8(node_.load());
  p.int8(clamp_limit(limit));
  auto r = reader_.run("claim", p);
  if (!r) return tl::unexpected(r.error());
  out.reserve(static_cast<size_t>(r->rows()));
  for (int row = 0; row < r->rows(); ++row) {
    PendingDelivery d;
    d.seq = r->int64(row, 0);
    d.attempts = static_cast<int>(r->int64(row, 1));
    d.next_attempt_at_ms = r->int64(row, 2);
    d.payload = std::string(r->text(row, 3));
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<DeadLetter>> PostgresSpool::dead_letters(const std::string& destination,
                                                            const std::string& event_id, size_t limit) {
  std::lock_guard lock(read_mu_);
  if (auto s = reader_ready(); !s) return tl::unexpected(s.error());
  P p;
  p.text(destination);
  p.text(event_id);
  p.int8(clamp_limit(limit));
  auto r = reader_.run("dead_letters", p);
  if (!r) return tl::unexpected(r.error());
  std::vector<DeadLetter> out;
  for (int row = 0; row < r->rows(); ++row) {
    DeadLetter d;
    d.event_id = std::string(r->text(row, 0));
    d.destination = std::string(r->text(row, 1));
    d.reason = std::string(r->text(row, 2));
    d.attempts = static_cast<int>(r->int64(row, 3));
    d.updated_at_ms = r->int64(row, 4);
    out.push_back(std::move(d));
  }
  return out;
}

Result<int64_t> PostgresSpool::replay(const std::string& destination, const std::string& event_id) {
  std::lock_guard lock(read_mu_);
  if (auto s = reader_ready(); !s) return tl::unexpected(s.error());
  P p;
  p.text(destination);
  p.text(event_id);
  p.int8(now_ms());
  auto r = reader_.run("replay", p);
  if (!r) return tl::unexpected(r.error());
  return r->int64(0, 0);
}

Result<int64_t> PostgresSpool::replay_generation() {
  std::lock_guard lock(read_mu_);
  if (auto s = reader_ready(); !s) return tl::unexpected(s.error());
  auto r = reader_.run("generation", P{});
  if (!r) return tl::unexpected(r.error());
  if (r->text(0, 1) == "t") {
    // Some node's lease lapsed: its rows are claimable, so every lane re-reads (and claims them).
    // A lapsed node left with no rows is removed, which ends the re-reads.
    ++takeovers_;
    (void)reader_.run("reap", P{});
  }
  return r->int64(0, 0) + takeovers_.load();
}

Result<int64_t> PostgresSpool::purge_chunk(int64_t cutoff_ms, bool* more) {
  // The reader is held per chunk: delivery's reads slip in between.
  std::lock_guard lock(read_mu_);
  if (auto s = reader_ready(); !s) return tl::unexpected(s.error());
  auto rollback = [&](Error e) -> Result<int64_t> {
    if (reader_.ok()) (void)reader_.exec("ROLLBACK");
    return tl::unexpected(std::move(e));
  };
  if (auto r = reader_.exec("BEGIN"); !r) return tl::unexpected(r.error());
  P lock_params;
  lock_params.int8(cutoff_ms);
  lock_params.int8(kPurgeChunk);
  auto locked = reader_.run("purge_lock", lock_params);
  if (!locked) return rollback(locked.error());
  std::vector<int64_t> seqs;
  seqs.reserve(static_cast<size_t>(locked->rows()));
  for (int row = 0; row < locked->rows(); ++row) seqs.push_back(locked->int64(row, 0));
  int64_t deleted = 0;
  if (!seqs.empty()) {
    P p;
    p.int8_array(seqs);
    auto r = reader_.run("purge", p);
    if (!r) return rollback(r.error());
    deleted = r->int64(0, 0);
  }
  if (auto r = reader_.exec("COMMIT"); !r) return tl::unexpected(r.error());
  // A chunk shorter than asked: nothing more is purgeable now (or another node is purging the rest).
  *more = static_cast<int64_t>(seqs.size()) == kPurgeChunk;
  return deleted;
}

Result<int64_t> PostgresSpool::purge(int64_t cutoff_ms) {
  int64_t total = 0;
  for (;;) {
    bool more = false;
    auto n = purge_chunk(cutoff_ms, &more);
    if (!n) return tl::unexpected(n.error());
    total += *n;
    if (!more) return total;
  }
}

bool PostgresSpool::writable() { return !closed_ && writer_ok_ && beat_ok_ && !over_size_; }

// Not writable() (over max_bytes delivery goes on: it is what lets purge free space).
bool PostgresSpool::may_send() {
  return !closed_ && writer_ok_ && beat_ok_ && outcomes_ok_ && steady_ms() < proven_until_ms_.load();
}

void PostgresSpool::close() {
  std::lock_guard close_lock(close_mu_);
  if (closed_) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  space_cv_.notify_all();
  beat_cv_.notify_all();
  if (outcome_thread_.joinable()) outcome_thread_.join();  // first: a barrier may wait for its outcomes
  if (writer_thread_.joinable()) writer_thread_.join();
  if (beat_thread_.joinable()) beat_thread_.join();
  if (options_.serve && writer_.ok()) {
    // Hands this node's remaining work back at once: the others see a lapsed lease on their next check.
    P p;
    p.int8(node_.load());
    if (auto r = writer_.run("node_release", p); r) log::Line("spool_lease_released").num("node", node_.load()).emit();
  }
  closed_ = true;
  writer_.close();
  outcome_conn_.close();
  {
    std::lock_guard lock(read_mu_);
    reader_.close();
  }
  beat_.close();
  console_reader_.close();
}

Result<std::unique_ptr<Spool>> open_postgres(const PostgresOptions& options) {
  auto spool = std::make_unique<PostgresSpool>(options);
  if (auto s = spool->start(); !s) return tl::unexpected(s.error());
  return std::unique_ptr<Spool>(std::move(spool));
}

}  // namespace fanout::spool
