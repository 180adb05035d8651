#pragma once
// The PostgreSQL Spool: several fanout nodes share one database. Writes queue in memory (bounded by
// bytes) and writer threads commit them in group transactions, like the SQLite spool: an enqueue's
// callback runs after its commit returned. Enqueues and delivery outcomes have a writer thread and a
// connection each (a 202 never waits behind outcomes); reads, claims and admin operations use a third
// connection; a fourth renews this node's lease.
//
// Sharing delivery: every pending (event, destination) row in fanout_outbox has an owner, the
// fanout_nodes row of the process sending it. The node that accepts an event owns it from the start
// (it hands it straight to its delivery engine); load_pending() returns this node's rows and claims
// rows whose owner's lease lapsed (FOR UPDATE SKIP LOCKED, so nodes never wait for each other).
// Leases are per node, not per row: renewing is one UPDATE every lease_ms/3 whatever the backlog.
// replay_generation() moves when some node's lease has lapsed, so the engine re-reads its pending
// work and picks up what the dead node left. close() ends this node's lease at once (SIGTERM hands
// work back).
//
// A node cut off longer than its lease (partition, pause): delivery outcomes are written only for rows
// still owned by one of this process's node ids, so it never records an outcome for work another node
// took over; when its renewal finds the lease gone it registers a new id and moves lease_epoch(), and
// the delivery engine drops what it held in memory before it may send again (docs/design.md).
//
// spool.max_bytes: the lease thread samples the size of fanout's tables (pg_total_relation_size) at each
// renewal; above the bound, enqueues are refused ("unavailable") and writable() is false, as with SQLite.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "spool/console_reader_pg.h"
#include "spool/pg_conn.h"
#include "spool/spool.h"

namespace fanout::spool {

class PostgresSpool final : public Spool {
 public:
  explicit PostgresSpool(PostgresOptions options);
  ~PostgresSpool() override;

  // Connects, creates or upgrades the schema, registers this node and starts the threads.
  Status start();

  void enqueue(std::vector<NewEvent> events, EnqueueDone done) override;
  void update(std::vector<DeliveryUpdate> updates) override;
  Result<std::optional<EventStatus>> lookup(const std::string& event_id) override;
  Result<std::vector<PendingDelivery>> load_pending(const std::string& destination, int64_t after_seq,
                                                    size_t limit) override;
  Result<std::vector<DeadLetter>> dead_letters(const std::string& destination, const std::string& event_id,
                                               size_t limit) override;
  Result<int64_t> replay(const std::string& destination, const std::string& event_id) override;
  Result<int64_t> replay_generation() override;
  Result<int64_t> purge(int64_t cutoff_ms) override;
  // The console's reads, on the console reader's connection. No attempt history is kept on
  // PostgreSQL: attempts() is empty (each delivery's row holds its attempt count and last error).
  Result<std::vector<StoredEvent>> recent_events(int64_t after_seq, size_t limit) override;
  Result<std::optional<StoredEvent>> find_event(const std::string& event_id) override;
  Result<std::vector<SeqDelivery>> delivery_states(int64_t from_seq, int64_t to_seq) override;
  Result<std::vector<AttemptEntry>> attempts(int64_t) override { return std::vector<AttemptEntry>{}; }
  bool seqs_in_commit_order() const override { return false; }
  Result<std::vector<StateCount>> state_counts() override;  // console_reader_pg.cpp
  bool writable() override;
  bool may_send() override;
  uint64_t lease_epoch() override { return lease_epoch_.load(); }
  int64_t live_bytes() override { return live_bytes_.load(); }
  void close() override;

  // This process's fanout_nodes.id (changes when a lapsed lease forced a new registration).
  int64_t node() const { return node_.load(); }

 private:
  struct EnqueueOp {
    std::vector<NewEvent> events;
    EnqueueDone done;
    size_t bytes = 0;
    uint64_t after_updates = 0;  // a barrier (no events) waits until this many updates are committed
    std::string refusal;         // not empty: refused at enqueue() (queue full, over max_bytes), answered so
  };
  static bool refused(const EnqueueOp& op) { return !op.refusal.empty(); }

  enum class Role { acks, outcomes };
  // The loop of one writer thread: enqueues (acks) or delivery outcomes, each on its own connection.
  void run_writer(Role role);
  void run_heartbeat();
  // Commits `updates` (the outcome writer's) in one statement, then `ops` (the ack writer's) in one
  // transaction; on failure nothing of that part is written.
  Result<std::vector<Result<EnqueueResult>>> write_group(PgConn& conn, std::map<std::string, int16_t>& ids,
                                                         std::vector<EnqueueOp>& ops,
                                                         std::vector<DeliveryUpdate>& updates,
                                                         const std::vector<int64_t>& owners);
  // The outcomes, the last one per delivery, written only for rows one of `owners` (this process's
  // node ids) owns.
  Status write_outcomes(PgConn& conn, std::map<std::string, int16_t>& ids, const std::vector<DeliveryUpdate>& updates,
                        const std::vector<int64_t>& owners);
  Status prepare_writer(PgConn& conn);
  Status prepare_reader();
  // The reader connection, reconnected when it was lost (not more often than the backoff allows).
  Status reader_ready();
  // Destination name -> id through `conn` (adding it when `add`); 0 when unknown and not added.
  Result<int16_t> destination_id(PgConn& conn, std::map<std::string, int16_t>& ids, const std::string& name,
                                 bool add);
  Status register_node(PgConn& conn);
  // Samples the size of fanout's tables against max_bytes (keeps the last value when the query fails).
  void measure_size(PgConn& conn);
  // Deletes one chunk (at most kPurgeChunk) of finished events older than cutoff_ms, in one short
  // transaction; returns how many. `more`: the chunk was full, another may follow.
  Result<int64_t> purge_chunk(int64_t cutoff_ms, bool* more);
  // The node ids this process registered (the current one last), for outcome writes.
  std::vector<int64_t> owned_ids();

  const PostgresOptions options_;
  std::atomic<int64_t> node_{0};
  std::atomic<int64_t> proven_until_ms_{0};  // steady clock: this node's lease is sure to hold until then
  std::atomic<int64_t> takeovers_{0};        // lapsed leases seen: added to the replay generation
  std::atomic<bool> writer_ok_{false}, outcomes_ok_{false}, beat_ok_{false}, closed_{false};
  std::atomic<bool> over_size_{false};      // fanout's tables above max_bytes at the last sample
  std::atomic<int64_t> live_bytes_{-1};     // their size at the last sample (-1 = not measured yet)
  std::atomic<uint64_t> lease_epoch_{0};    // lease losses of this process (see Spool::lease_epoch)

  // Held shared by the ack writer from reading node_ until the enqueue callbacks ran (which hand the
  // events to delivery), exclusively by the lease thread while it replaces node_: every event written
  // under an old id reaches delivery before lease_epoch() moves, so delivery drops it with the rest.
  std::shared_mutex lease_mu_;
  std::vector<int64_t> owned_ids_;  // guarded by lease_mu_: every id registered, at most kOwnedIds

  PgConn writer_;  // writer thread only (or before it starts / after it stops)
  std::map<std::string, int16_t> writer_ids_;

  std::mutex read_mu_;  // guards reader_, reader_ids_, reader_retry_at_ms_
  PgConn reader_;
  std::map<std::string, int16_t> reader_ids_;
  int64_t reader_retry_at_ms_ = 0;

  PgConn outcome_conn_;  // outcome writer thread only
  std::map<std::string, int16_t> outcome_ids_;

  PgConn beat_;  // heartbeat thread only

  PgConsoleReader console_reader_{options_.url, options_.url_key};  // the web console's own connection

  std::mutex mu_;  // guards the fields below
  std::condition_variable work_cv_, space_cv_, beat_cv_;
  std::deque<EnqueueOp> queue_;
  std::deque<DeliveryUpdate> updates_;
  uint64_t updates_pushed_ = 0, updates_done_ = 0;  // over the spool's life, for barriers
  size_t queued_bytes_ = 0, update_bytes_ = 0;
  bool stopping_ = false;

  std::mutex close_mu_;
  std::thread writer_thread_, outcome_thread_, beat_thread_;
};

}  // namespace fanout::spool
