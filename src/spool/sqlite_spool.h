#pragma once
// The SQLite Spool: callers queue writes in memory (bounded by bytes); one writer thread drains the
// queue into group transactions (one fsync for everything queued) and then runs the callbacks.
// Enqueues (an HTTP client waits for each) go ahead of delivery-state updates, and a transaction takes
// a bounded number of updates, so a finished 1000-event batch never holds an acknowledgement back for long.
// Reads use their own connections, so they never wait for an fsync: one for the delivery thread's
// reads (load_pending, replay_generation) and one for everybody else's (status lookups from HTTP
// threads, dead-letter listings), so a burst of lookups never holds the delivery thread back.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "spool/console_reader.h"
#include "spool/reader.h"
#include "spool/spool.h"
#include "spool/writer.h"

namespace fanout::spool {

class SqliteSpool final : public Spool {
 public:
  explicit SqliteSpool(SqliteOptions options);
  ~SqliteSpool() override;

  // Opens both connections and starts the writer thread.
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
  bool writable() override;
  int64_t live_bytes() override { return live_bytes_; }
  void close() override;
  Result<std::vector<StoredEvent>> recent_events(int64_t after_seq, size_t limit) override;
  Result<std::optional<StoredEvent>> find_event(const std::string& event_id) override;
  Result<std::vector<SeqDelivery>> delivery_states(int64_t from_seq, int64_t to_seq) override;
  Result<std::vector<AttemptEntry>> attempts(int64_t seq) override;
  Result<std::vector<StateCount>> state_counts() override;

  // Fault injection (tests, DuckDB style): the next `count` group commits fail as a disk error would:
  // their enqueues get "unavailable" and nothing of them is written.
  void fail_next_commits(int count) { writer_.fail_next_commits(count); }
  // Tests: merge the recent event ids into event_ids once `limit` are held (recent_ids.h), not 65536,
  // `chunk` rows per transaction.
  void set_recent_ids_limit(size_t limit, size_t chunk = Writer::kMergeChunk) { writer_.set_merge_sizes(limit, chunk); }

 private:
  struct EnqueueOp {
    std::vector<NewEvent> events;
    EnqueueDone done;
  };
  struct RejectOp {  // an enqueue refused before queueing; answered on the writer thread like the others
    Error error;
    EnqueueDone done;
  };
  struct ReplayOp {
    std::string destination, event_id;
    std::promise<Result<int64_t>> result;
  };
  struct PurgeOp {
    int64_t cutoff_ms = 0;
    int64_t after_seq = 0;  // purge resumes after this seq: it runs in chunks between groups
    int64_t deleted = 0;
    std::promise<Result<int64_t>> result;
  };
  using Op = std::variant<EnqueueOp, RejectOp, ReplayOp, PurgeOp>;
  struct Queued {
    Op op;
    size_t bytes = 0;            // counted against max_queue_bytes
    size_t items = 0;            // events, counted against max_group
    uint64_t after_updates = 0;  // a barrier (empty enqueue) waits until this many updates are taken
  };

  void run_writer();
  // While writes fail and nothing is queued: a small write transaction, so writability is known again
  // without waiting for a request.
  void probe_writable();
  // Tracks the last commit's outcome and reports changes through options_.on_fault.
  void note_commit(const Status& status);
  // Puts the updates of a failed group back at the front of the queue (or, when closing, reports them).
  void hold_back(std::vector<DeliveryUpdate>& updates, const std::string& why);
  // Moves the next unit of work out of the queues (under mu_): an admin op alone, or enqueues with up
  // to kUpdatesPerGroup updates.
  void take_group(std::vector<Queued>& group, std::vector<DeliveryUpdate>& updates);
  void run_group(std::vector<Queued>& group, std::vector<DeliveryUpdate>& updates);
  void run_replay(ReplayOp& op);
  // Returns true when the purge is finished (its promise is set).
  bool run_purge_chunk(PurgeOp& op);
  bool on_writer_thread() const { return std::this_thread::get_id() == writer_id_; }
  // Runs an admin op on the writer thread (or inline when already there) and waits for its result.
  Result<int64_t> run_admin(Op op, std::future<Result<int64_t>> result);

  const SqliteOptions options_;
  Writer writer_;  // used only by the writer thread (or before it starts / after it stops)

  std::mutex read_mu_;  // guards reader_: lookups and dead-letter listings (HTTP threads, CLI)
  Reader reader_;
  std::mutex delivery_read_mu_;  // guards delivery_reader_: the delivery thread's reads
  Reader delivery_reader_;
  std::mutex console_mu_;  // guards console_reader_ (the web console's own connection)
  ConsoleReader console_reader_;

  std::mutex mu_;                                    // guards the fields below
  std::condition_variable work_cv_;                  // writer waits for ops
  std::condition_variable space_cv_;                 // update() waits for queue space
  std::deque<Queued> queue_;                         // enqueues, rejects and admin ops, in arrival order
  std::deque<DeliveryUpdate> updates_;               // delivery-state changes, in arrival order
  uint64_t updates_pushed_ = 0, updates_taken_ = 0;  // counts over the spool's life, for barriers
  size_t queued_bytes_ = 0;                          // of queue_'s enqueues, against max_queue_bytes
  size_t update_bytes_ = 0;                          // of updates_, against max_update_bytes
  bool stopping_ = false;

  std::mutex close_mu_;  // serializes close()
  std::thread writer_thread_;
  std::thread::id writer_id_;
  std::atomic<bool> last_commit_ok_{true};
  std::atomic<bool> over_size_{false};
  std::atomic<int64_t> live_bytes_{-1};  // last measured live size (fanout_spool_bytes)
  std::atomic<bool> closed_{false};
};

}  // namespace fanout::spool
