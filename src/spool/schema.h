#pragma once
// The spool's file and schema: where it lives, its pragmas and tables.
#include <string>

#include "core/result.h"
#include "spool/sqlite_db.h"

namespace fanout::spool {

// State as stored in deliveries.state (stable on disk: never renumber).
constexpr int kStatePending = 0;
constexpr int kStateDelivered = 1;
constexpr int kStateFailed = 2;
constexpr int kStateSkipped = 3;

// HTTP attempts kept per delivery in the attempts table (a ring: the oldest is overwritten), plus as many
// from before the delivery's last replay.
constexpr int64_t kAttemptsKept = 10;

// Creates the parent directory (0700) and the file (0600) when missing, so personal-data hashes are
// never world-readable, not even for the instant between creation and a chmod.
Status prepare_file(const std::string& path);

// PRAGMA quick_check on an open connection. A damaged file is refused with code "corrupt_spool" and a
// one-line message naming the file and what to do, instead of serving (and failing deliveries) from it.
Status check_integrity(Db& db, const std::string& path);

// Opens the writer connection (after check_integrity): WAL, synchronous=FULL, schema created if missing.
Status open_writer(Db& db, const std::string& path);

// Opens a reader connection on an existing spool.
Status open_reader(Db& db, const std::string& path);

}  // namespace fanout::spool
