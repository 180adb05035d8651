#pragma once
// Thin RAII over the sqlite3 C API: a connection and prepared statements with typed bind/column helpers.
// Not thread-safe: each connection (and its statements) is used by one thread at a time.
#include <sqlite3.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace fanout::spool {

// A prepared statement; reset() after each use so it can run again.
class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& other) noexcept;
  ~Stmt();

  // Compiles `sql` on `db`; errors name the statement so a schema mismatch is obvious.
  static Result<Stmt> prepare(sqlite3* db, std::string_view sql);

  // Parameters are 1-based, as in SQLite.
  void bind(int index, int64_t value);
  void bind(int index, std::string_view text);
  void bind_null(int index);
  void bind_blob(int index, std::string_view bytes);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Clears bindings state for the next run (bound values are overwritten before each use).
  void reset();

  // Columns are 0-based, as in SQLite.
  int64_t int64(int column) const;
  std::string text(int column) const;

  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Owns one connection.
class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Opens (creating when `create`) the database file with a busy timeout and no per-connection mutex
  // (callers serialize access themselves).
  Status open(const std::string& path, bool create, int busy_timeout_ms);
  void close();

  // Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
  Status exec(std::string_view sql);
  // The error of the last failed call, for messages.
  std::string last_error() const;

  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// One statement a connection keeps prepared: where it goes, and its SQL.
struct StmtDef {
  Stmt* stmt;
  const char* sql;
};
// Prepares each of `defs` on `db` into its place; stops at the first error. Each statement prepared is
// added to `kept`, so that finalize_all(kept) releases them all before the connection closes (SQLite
// will not close a connection with a statement left).
Status prepare_all(sqlite3* db, std::initializer_list<StmtDef> defs, std::vector<Stmt*>& kept);
void finalize_all(std::vector<Stmt*>& kept);

// An "unavailable" error carrying SQLite's message: what ingest turns into 503.
tl::unexpected<Error> db_error(sqlite3* db, const std::string& what);

}  // namespace fanout::spool
