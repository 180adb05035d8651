#pragma once
// The web console's queries on the PostgreSQL spool, on a connection of their own (opened on first use):
// a count that scans the delivery tables never holds up delivery's claims on the spool's reader
// connection. Thread-safe (one mutex; the console calls from one thread anyway).
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "spool/pg_conn.h"
#include "spool/spool.h"

namespace fanout::spool {

class PgConsoleReader {
 public:
  // After a failed connect, the next try waits this long: a console polling an unreachable server
  // does not hammer it.
  static constexpr int64_t kRetryMs = 2000;
  // The server cancels a console query running longer than this (the console keeps its last answer).
  static constexpr int64_t kStatementTimeoutMs = 30000;

  // `url_key` names the config key of `url` in errors (never the password).
  PgConsoleReader(std::string url, std::string url_key) : url_(std::move(url)), key_(std::move(url_key)) {}

  // Every delivery counted by destination and state: fanout_deliveries by state, fanout_outbox as pending.
  Result<std::vector<StateCount>> state_counts();
  // As Spool::recent_events, find_event and delivery_states (each one statement, one snapshot).
  Result<std::vector<StoredEvent>> recent_events(int64_t after_seq, size_t limit);
  Result<std::optional<StoredEvent>> find_event(const std::string& event_id);
  Result<std::vector<SeqDelivery>> delivery_states(int64_t from_seq, int64_t to_seq);

  // Closes the connection; later calls answer "unavailable".
  void close();

 private:
  Status ready();  // under mu_
  Result<std::vector<StoredEvent>> events(const std::string& statement, const PgParams& params);  // under mu_

  std::mutex mu_;
  PgConn conn_;
  const std::string url_, key_;
  int64_t retry_at_ms_ = 0;  // steady clock
  bool closed_ = false;
};

}  // namespace fanout::spool
