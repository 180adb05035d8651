#include "spool/schema.h"

#include "spool/recent_ids.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

namespace fanout::spool {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr int kSchemaVersion = 4;

// seq is assigned by the writer (never reused, see writer.cpp). Each destination name gets a small id
// (1..62) once, so an event's pending destinations fit one integer: `outbox` holds one row per event
// that still has a pending delivery, with a bit per destination. `deliveries` holds a row per (event,
// destination) only once there is something to say about it: skipped, a retry scheduled, delivered or
// failed. A fresh pending delivery is its outbox bit alone, so accepting an event writes two small rows
// and nothing per destination (measured: the per-destination rows and their index were half of the
// spool's CPU per event).
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL,
  payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS event_ids(
  hash INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY(hash, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS destinations(
  id INTEGER PRIMARY KEY CHECK(id BETWEEN 1 AND 62),
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS outbox(
  seq INTEGER PRIMARY KEY,
  pending INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries(
  seq INTEGER NOT NULL,
  destination INTEGER NOT NULL,
  state INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at_ms INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  http_status INTEGER,
  latency_us INTEGER,
  PRIMARY KEY(seq, destination)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_failed ON deliveries(updated_at_ms) WHERE state = 2;
CREATE TABLE IF NOT EXISTS attempts(
  seq INTEGER NOT NULL,
  destination INTEGER NOT NULL,
  slot INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  http_status INTEGER NOT NULL,
  outcome INTEGER NOT NULL,
  error TEXT NOT NULL,
  latency_us INTEGER NOT NULL,
  PRIMARY KEY(seq, destination, slot)
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta(key, value) VALUES('next_seq', 1);
INSERT OR IGNORE INTO meta(key, value) VALUES('ids_indexed', 0);
)sql";

// Version 4 finds events by a 64-bit hash of their id in two levels (recent_ids.h): event_ids holds
// (hash, seq) for every event up to meta.ids_indexed, the writer keeps the newer ones in memory. Up to
// version 3, events.event_id was UNIQUE: a B-tree of the ids themselves, where a random (UUID) id made
// every accepted event rewrite a page of its own. SQLite cannot drop a column's UNIQUE, so the table is
// copied without it (its seqs kept), then every event is indexed: in hash order (the sort spills to a
// temporary file, not memory, see open_writer), so each page of event_ids is written once.
constexpr const char* kMigrateTo4 = R"sql(
CREATE TABLE events_v4(
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL,
  payload BLOB NOT NULL
);
INSERT INTO events_v4(seq, event_id, received_at_ms, payload) SELECT seq, event_id, received_at_ms, payload FROM events;
DROP TABLE events;
ALTER TABLE events_v4 RENAME TO events;
)sql";
constexpr const char* kMigrateTo4Index = R"sql(
INSERT OR IGNORE INTO event_ids(hash, seq) SELECT fanout_id_hash(event_id), seq FROM events ORDER BY 1, 2;
INSERT INTO meta(key, value) VALUES('ids_indexed', (SELECT ifnull(max(seq), 0) FROM events))
  ON CONFLICT(key) DO UPDATE SET value = excluded.value;
)sql";

// Version 4 keeps the latest attempt's HTTP status and latency in the delivery's own row (NULL: none
// recorded there), and `attempts` only holds the history of deliveries that took more than one attempt
// or whose attempt said something the row does not: a delivery settled at its first attempt (nearly
// all of them) is its row alone. A row per attempt cost ~58k instructions per event in the spool
// writer (callgrind, five destinations), about a tenth of fanout's CPU per event. The console reads a
// settled first attempt from the row. Upgrading from versions 2 and 3 adds the two columns.
constexpr const char* kAddLatestAttempt = R"sql(
ALTER TABLE deliveries ADD COLUMN http_status INTEGER;
ALTER TABLE deliveries ADD COLUMN latency_us INTEGER;
)sql";

// Version 3 added `attempts`, the last kAttemptsKept HTTP attempts of each delivery: a ring indexed by
// slot = (attempt number - 1) mod kAttemptsKept, so it never needs a delete to stay bounded. A replay
// (attempt numbers restart) moves the previous round to slots below 0: at most 2 x kAttemptsKept rows.
// Upgrading from version 2 is creating that table (kSchema does, IF NOT EXISTS); nothing else changes.

// Version 1 kept a row per (event, destination) from the start, keyed by the destination's name, and
// an index of pending rows. Its rows carry over as they are (a pending row with attempts 0 is what a
// fresh delivery looks like in version 2 too) and its pending rows become outbox bits.
constexpr const char* kMigrateFrom1 = R"sql(
DROP INDEX IF EXISTS deliveries_pending;
DROP INDEX IF EXISTS deliveries_failed;
ALTER TABLE deliveries RENAME TO deliveries_v1;
)sql";
constexpr const char* kMigrateFrom1Rows = R"sql(
INSERT INTO destinations(name) SELECT DISTINCT destination FROM deliveries_v1 ORDER BY destination;
INSERT INTO deliveries(seq, destination, state, reason, attempts, updated_at_ms, next_attempt_at_ms, last_error)
  SELECT d.seq, n.id, d.state, d.reason, d.attempts, d.updated_at_ms, d.next_attempt_at_ms, d.last_error
  FROM deliveries_v1 d JOIN destinations n ON n.name = d.destination;
INSERT INTO outbox(seq, pending)
  SELECT d.seq, sum(1 << n.id) FROM deliveries_v1 d JOIN destinations n ON n.name = d.destination
  WHERE d.state = 0 GROUP BY d.seq;
DROP TABLE deliveries_v1;
)sql";

Status make_dirs(const std::filesystem::path& dir) {
  if (dir.empty()) return {};
  std::vector<std::filesystem::path> missing;
  for (auto p = dir; !p.empty() && !std::filesystem::exists(p); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return fail("unavailable", "cannot create spool directory " + it->string() + ": " + std::strerror(errno));
    }
  }
  return {};
}

Result<int64_t> read_version(Db& db) {
  auto stmt = Stmt::prepare(db.get(), "PRAGMA user_version");
  if (!stmt) return tl::unexpected(stmt.error());
  if (stmt->step() != SQLITE_ROW) return db_error(db.get(), "reading user_version");
  int64_t version = stmt->int64(0);
  stmt->reset();
  return version;
}

Result<bool> has_unique_event_ids(Db& db) {
  auto stmt = Stmt::prepare(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_autoindex_events_1'");
  if (!stmt) return tl::unexpected(stmt.error());
  if (stmt->step() != SQLITE_ROW) return db_error(db.get(), "reading the schema");
  return stmt->int64(0) > 0;
}

// fanout_id_hash(text): id_hash() in SQL, for indexing the events of an upgraded spool.
void sql_id_hash(sqlite3_context* context, int, sqlite3_value** argv) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const int size = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int64(context, id_hash(std::string_view(text ? text : "", static_cast<size_t>(size))));
}

// Creates or upgrades the schema; runs inside the caller's write transaction.
Status create_schema(Db& db) {
  auto version = read_version(db);
  if (!version) return tl::unexpected(version.error());
  if (*version > kSchemaVersion) {
    // Both versions named: an operator who rolled back the binary sees what to run instead.
    return fail("unavailable", "spool schema version " + std::to_string(*version) + " is newer than fanout " +
                                   FANOUT_VERSION + " supports (schema version " + std::to_string(kSchemaVersion) +
                                   "): run the newer fanout release that wrote it");
  }
  if (*version == 1) {
    if (auto s = db.exec(kMigrateFrom1); !s) return s;
  }
  // The UNIQUE of versions 1-3 shows as an automatic index (a new file has no events table yet).
  auto unique_ids = has_unique_event_ids(db);
  if (!unique_ids) return tl::unexpected(unique_ids.error());
  const bool had_events = *unique_ids;
  if (had_events) {
    if (auto s = db.exec(kMigrateTo4); !s) return s;
  }
  if (auto s = db.exec(kSchema); !s) return s;
  if (*version == 1) {
    if (auto s = db.exec(kMigrateFrom1Rows); !s) return s;
  }
  if (*version == 2 || *version == 3) {
    if (auto s = db.exec(kAddLatestAttempt); !s) return s;
  }
  if (had_events) {
    if (auto s = db.exec(kMigrateTo4Index); !s) return s;
  }
  if (*version == kSchemaVersion) return {};
  return db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
}

}  // namespace

Status prepare_file(const std::string& path) {
  if (auto s = make_dirs(std::filesystem::path(path).parent_path()); !s) return s;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail("unavailable", "cannot open spool " + path + ": " + std::strerror(errno));
  ::close(fd);
  return {};
}

Status check_integrity(Db& db, const std::string& path) {
  // quick_check(1): the first problem only; it reads every page (about a second per GB) but skips the
  // index-content cross-checks of integrity_check, which would take minutes on a large spool.
  std::string detail;
  auto stmt = Stmt::prepare(db.get(), "PRAGMA quick_check(1)");
  if (stmt) {
    const int rc = stmt->step();
    if (rc == SQLITE_ROW && stmt->text(0) == "ok") return {};
    detail = rc == SQLITE_ROW ? stmt->text(0) : db.last_error();
  } else {
    detail = db.last_error();
  }
  const int code = sqlite3_errcode(db.get()) & 0xff;
  if (!stmt && code != SQLITE_CORRUPT && code != SQLITE_NOTADB) return tl::unexpected(stmt.error());
  for (char& c : detail)
    if (c == '\n' || c == '\r') c = ' ';  // one line, for the operator and the log
  return fail("corrupt_spool", "spool " + path + " is corrupt (" + detail +
                                   "): stop fanout, move the file and its -wal/-shm aside, then restore a backup "
                                   "or start with an empty spool");
}

Status open_writer(Db& db, const std::string& path) {
  // SQLite's allocation statistics take a global mutex on every malloc; we never read them. This must
  // run before SQLite initializes, and every connection of the process is opened after this point.
  static std::once_flag configured;
  std::call_once(configured, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  if (auto s = prepare_file(path); !s) return s;
  if (auto s = db.open(path, true, kBusyTimeoutMs); !s) return s;
  if (auto s = check_integrity(db, path); !s) return s;
  // FULL: the WAL is fsynced at every commit, so an acknowledged event survives power loss.
  // journal_size_limit keeps the WAL file from staying at its high-water mark after a burst. The writer
  // appends at the end of every B-tree, so a small page cache holds its working set (16 MB of cache
  // measured no faster than 4 MB, and cost 16 MB of peak RSS under load). Its temporary tables stay in
  // memory, but only after the schema is upgraded: the upgrade to version 4 sorts every event's id hash,
  // which would take 16 bytes of memory per event there and spills to a temporary file here.
  if (auto s = db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA journal_size_limit=67108864;"
                       "PRAGMA cache_size=-4096;");
      !s) {
    return s;
  }
  if (sqlite3_create_function(db.get(), "fanout_id_hash", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, sql_id_hash,
                              nullptr, nullptr) != SQLITE_OK) {
    return db_error(db.get(), "registering fanout_id_hash");
  }
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return s;
  auto created = create_schema(db);
  if (!created) {
    (void)db.exec("ROLLBACK");
    return created;
  }
  if (auto s = db.exec("COMMIT"); !s) return s;
  return db.exec("PRAGMA temp_store=MEMORY");
}

Status open_reader(Db& db, const std::string& path) {
  if (auto s = db.open(path, false, kBusyTimeoutMs); !s) return s;
  return db.exec("PRAGMA query_only=1; PRAGMA cache_size=-2048;");
}

}  // namespace fanout::spool
