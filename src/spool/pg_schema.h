#pragma once
// The PostgreSQL spool's tables, created or upgraded at start under an advisory lock (nodes may start
// together), with the version in fanout_schema: a node older than the schema refuses to run.
#include "core/result.h"
#include "spool/pg_conn.h"
#include "spool/spool.h"

namespace fanout::spool {

// The schema version this build writes and understands.
constexpr int kPgSchemaVersion = 2;

// Delivery states as stored (fanout_deliveries.state): the same numbers as the SQLite spool's.
constexpr int kPgPending = 0, kPgDelivered = 1, kPgFailed = 2, kPgSkipped = 3;

// A stored state read back; an unknown number reads as pending (delivery tries it again).
inline State pg_state(int64_t code) {
  switch (code) {
    case kPgDelivered:
      return State::delivered;
    case kPgFailed:
      return State::failed;
    case kPgSkipped:
      return State::skipped;
    default:
      return State::pending;
  }
}

// The SQL that takes the schema from version-1 to `version` (1: creates it); "" past the last.
const char* pg_schema_step(int version);

// Creates or upgrades the schema in one transaction holding a transaction-level advisory lock.
Status pg_create_schema(PgConn& conn);

}  // namespace fanout::spool
