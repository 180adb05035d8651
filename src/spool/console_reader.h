#pragma once
// The web console's queries on a read connection of its own, so its polling never waits behind
// delivery's reads (and the reverse). Not thread-safe: the owner serializes calls.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "spool/spool.h"
#include "spool/sqlite_db.h"

namespace fanout::spool {

class ConsoleReader {
 public:
  ConsoleReader() = default;
  ConsoleReader(ConsoleReader&&) = delete;  // prepared_ points at its own members
  // Opens the read connection on an existing spool file and prepares every statement.
  Status open(const std::string& path);
  void close();
  bool is_open() const { return db_.get() != nullptr; }

  Result<std::vector<StoredEvent>> recent_events(int64_t after_seq, size_t limit);
  Result<std::vector<SeqDelivery>> delivery_states(int64_t from_seq, int64_t to_seq);
  Result<std::vector<AttemptEntry>> attempts(int64_t seq);
  // Every delivery counted by destination and state, in one read transaction (one snapshot). Scans
  // the deliveries and the outbox: the caller decides how often.
  Result<std::vector<StateCount>> state_counts();

 private:
  Db db_;
  std::vector<Stmt*> prepared_;  // every statement below, finalized by close()
  Stmt recent_, states_, attempts_, names_, delivery_rows_, outbox_rows_;
};

}  // namespace fanout::spool
