#pragma once
// Queries on a read connection. WAL lets it read a consistent snapshot while the writer commits.
// Not thread-safe: the owner serializes calls.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "spool/recent_ids.h"
#include "spool/spool.h"
#include "spool/sqlite_db.h"

namespace fanout::spool {

class Reader {
 public:
  Reader() = default;
  Reader(Reader&&) = delete;  // prepared_ points at its own members
  // Opens the read connection on an existing spool file and prepares every statement.
  Status open(const std::string& path);
  void close();
  bool is_open() const { return db_.get() != nullptr; }

  // By event id: `recent` is the writer's recent level of the id index (recent_ids.h).
  Result<std::optional<EventStatus>> lookup(const std::string& event_id, const RecentIds& recent);
  Result<std::optional<StoredEvent>> find_event(const std::string& event_id, const RecentIds& recent);
  Result<std::vector<PendingDelivery>> load_pending(const std::string& destination, int64_t after_seq, size_t limit);
  Result<std::vector<DeadLetter>> dead_letters(const std::string& destination, const std::string& event_id,
                                               size_t limit);
  Result<int64_t> replay_generation();

 private:
  // The seq of the event with this id (0: none): the recent level first, then event_ids. The event may
  // be gone by the next statement (purged), which then finds nothing, as a lookup a moment later would.
  Result<int64_t> resolve(const std::string& event_id, const RecentIds& recent);

  Db db_;
  std::vector<Stmt*> prepared_;  // every statement below, finalized by close()
  Stmt lookup_, destination_id_, pending_, dead_letters_, replays_, by_seq_, by_hash_, event_;
};

}  // namespace fanout::spool
