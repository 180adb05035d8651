#pragma once
// fanout_outcomes(?1): a table-valued function over an array of delivery outcomes in the writer's
// memory, bound with sqlite3_bind_pointer. The writer applies the outcomes of one update() set-wise
// (INSERT ... SELECT FROM fanout_outcomes(?1) JOIN outbox ...) without building a JSON text for SQLite
// to parse again: reading each value of a json_each row cost ~6k instructions (callgrind), a column
// of this table a few dozen. Like SQLite's carray extension, which Debian's libsqlite3 leaves out.
#include <sqlite3.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace fanout::spool {

// One row: a delivery's new state and its attempt, if any. The texts point into the caller's
// updates, which outlive the statement that reads them.
struct OutcomeRow {
  int64_t seq = 0;
  int64_t destination = 0;  // the destination's id (its outbox bit)
  int64_t state = 0;        // state code (schema.h)
  std::string_view reason;
  int64_t attempts = 0;
  int64_t updated_at_ms = 0;
  int64_t next_attempt_at_ms = 0;
  std::string_view last_error;
  bool attempted = false;    // http_status, latency_us and error are NULL without an attempt
  int64_t http_status = 0;
  int64_t latency_us = 0;
  std::string_view error;    // the attempt's error
  int64_t slot = 0;          // the attempt's slot in the delivery's history ring
};

// Registers fanout_outcomes on `db`. Its columns are the fields of OutcomeRow, in order, and a hidden
// argument: the rows, bound with bind_outcome_rows() (no rows when it is anything else, e.g. NULL).
Status register_outcome_rows(sqlite3* db);

// Binds `rows` as parameter `index` of `stmt`: they must stay unchanged until the statement is reset.
int bind_outcome_rows(sqlite3_stmt* stmt, int index, const std::vector<OutcomeRow>* rows);

}  // namespace fanout::spool
