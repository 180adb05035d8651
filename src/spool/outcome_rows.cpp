#include "spool/outcome_rows.h"

#include <new>

#include "spool/sqlite_db.h"

namespace fanout::spool {
namespace {

// The pointer type sqlite3_bind_pointer checks: a pointer bound under another name reads as NULL.
constexpr const char* kPointerType = "fanout_outcome_rows";

// Columns, in OutcomeRow's order; kRowsArg is the hidden argument.
enum Column {
  kSeq,
  kDestination,
  kState,
  kReason,
  kAttempts,
  kUpdatedAtMs,
  kNextAttemptAtMs,
  kLastError,
  kHttpStatus,
  kLatencyUs,
  kError,
  kSlot,
  kRowsArg,
};

constexpr const char* kDeclaration =
    "CREATE TABLE x(seq, destination, state, reason, attempts, updated_at_ms, next_attempt_at_ms, last_error, "
    "http_status, latency_us, error, slot, rows HIDDEN)";

// Rows the planner is told to expect: a few runs' worth, so it loops over them and looks each one up.
constexpr double kEstimatedRows = 16;

struct Cursor {
  sqlite3_vtab_cursor base{};
  const std::vector<OutcomeRow>* rows = nullptr;
  size_t at = 0;
};

int connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char**) {
  if (int rc = sqlite3_declare_vtab(db, kDeclaration); rc != SQLITE_OK) return rc;
  auto* vtab = new (std::nothrow) sqlite3_vtab{};
  if (vtab == nullptr) return SQLITE_NOMEM;
  *out = vtab;
  return SQLITE_OK;
}

int disconnect(sqlite3_vtab* vtab) {
  delete vtab;
  return SQLITE_OK;
}

// Only a plan with the rows argument is usable; without one it would read nothing.
int best_index(sqlite3_vtab*, sqlite3_index_info* info) {
  bool unusable = false;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.iColumn != kRowsArg || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c.usable) {
      unusable = true;
      continue;
    }
    info->aConstraintUsage[i].argvIndex = 1;
    info->aConstraintUsage[i].omit = 1;
    info->idxNum = 1;
    info->estimatedCost = kEstimatedRows;
    info->estimatedRows = static_cast<sqlite3_int64>(kEstimatedRows);
    return SQLITE_OK;
  }
  if (unusable) return SQLITE_CONSTRAINT;
  info->idxNum = 0;
  info->estimatedCost = 2147483647.0;
  info->estimatedRows = 2147483647;
  return SQLITE_OK;
}

int open_cursor(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto* cursor = new (std::nothrow) Cursor{};
  if (cursor == nullptr) return SQLITE_NOMEM;
  *out = &cursor->base;
  return SQLITE_OK;
}

int close_cursor(sqlite3_vtab_cursor* base) {
  delete reinterpret_cast<Cursor*>(base);
  return SQLITE_OK;
}

int filter(sqlite3_vtab_cursor* base, int idx_num, const char*, int argc, sqlite3_value** argv) {
  auto* cursor = reinterpret_cast<Cursor*>(base);
  cursor->rows = idx_num == 1 && argc == 1
                     ? static_cast<const std::vector<OutcomeRow>*>(sqlite3_value_pointer(argv[0], kPointerType))
                     : nullptr;
  cursor->at = 0;
  return SQLITE_OK;
}

int next(sqlite3_vtab_cursor* base) {
  ++reinterpret_cast<Cursor*>(base)->at;
  return SQLITE_OK;
}

int eof(sqlite3_vtab_cursor* base) {
  const auto* cursor = reinterpret_cast<Cursor*>(base);
  return cursor->rows == nullptr || cursor->at >= cursor->rows->size();
}

void text(sqlite3_context* ctx, std::string_view s) {
  // Static: the rows outlive the statement (outcome_rows.h).
  sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}

int column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int n) {
  const auto* cursor = reinterpret_cast<Cursor*>(base);
  const OutcomeRow& r = (*cursor->rows)[cursor->at];
  switch (n) {
    case kSeq:
      sqlite3_result_int64(ctx, r.seq);
      break;
    case kDestination:
      sqlite3_result_int64(ctx, r.destination);
      break;
    case kState:
      sqlite3_result_int64(ctx, r.state);
      break;
    case kReason:
      text(ctx, r.reason);
      break;
    case kAttempts:
      sqlite3_result_int64(ctx, r.attempts);
      break;
    case kUpdatedAtMs:
      sqlite3_result_int64(ctx, r.updated_at_ms);
      break;
    case kNextAttemptAtMs:
      sqlite3_result_int64(ctx, r.next_attempt_at_ms);
      break;
    case kLastError:
      text(ctx, r.last_error);
      break;
    case kHttpStatus:
      if (r.attempted) sqlite3_result_int64(ctx, r.http_status);
      else sqlite3_result_null(ctx);
      break;
    case kLatencyUs:
      if (r.attempted) sqlite3_result_int64(ctx, r.latency_us);
      else sqlite3_result_null(ctx);
      break;
    case kError:
      if (r.attempted) text(ctx, r.error);
      else sqlite3_result_null(ctx);
      break;
    case kSlot:
      sqlite3_result_int64(ctx, r.slot);
      break;
    default:  // the hidden argument is never read back
      sqlite3_result_null(ctx);
      break;
  }
  return SQLITE_OK;
}

int rowid(sqlite3_vtab_cursor* base, sqlite3_int64* out) {
  *out = static_cast<sqlite3_int64>(reinterpret_cast<Cursor*>(base)->at);
  return SQLITE_OK;
}

// Eponymous only (no xCreate): there is nothing to CREATE VIRTUAL TABLE, only the function to call.
const sqlite3_module kModule = {
    /* iVersion */ 0,
    /* xCreate */ nullptr,
    /* xConnect */ connect,
    /* xBestIndex */ best_index,
    /* xDisconnect */ disconnect,
    /* xDestroy */ nullptr,
    /* xOpen */ open_cursor,
    /* xClose */ close_cursor,
    /* xFilter */ filter,
    /* xNext */ next,
    /* xEof */ eof,
    /* xColumn */ column,
    /* xRowid */ rowid,
    /* xUpdate */ nullptr,
    /* xBegin */ nullptr,
    /* xSync */ nullptr,
    /* xCommit */ nullptr,
    /* xRollback */ nullptr,
    /* xFindFunction */ nullptr,
    /* xRename */ nullptr,
    /* xSavepoint */ nullptr,
    /* xRelease */ nullptr,
    /* xRollbackTo */ nullptr,
    /* xShadowName */ nullptr,
};

}  // namespace

Status register_outcome_rows(sqlite3* db) {
  if (sqlite3_create_module(db, "fanout_outcomes", &kModule, nullptr) != SQLITE_OK) {
    return db_error(db, "registering fanout_outcomes");
  }
  return {};
}

int bind_outcome_rows(sqlite3_stmt* stmt, int index, const std::vector<OutcomeRow>* rows) {
  // The rows are the caller's: no destructor.
  return sqlite3_bind_pointer(stmt, index, const_cast<std::vector<OutcomeRow>*>(rows), kPointerType, nullptr);
}

}  // namespace fanout::spool
