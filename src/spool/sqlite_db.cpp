#include "spool/sqlite_db.h"

#include <string>
#include <utility>

namespace fanout::spool {

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() {
  sqlite3_finalize(stmt_);
}

Result<Stmt> Stmt::prepare(sqlite3* db, std::string_view sql) {
  Stmt s;
  // PERSISTENT: these statements live as long as the connection, so SQLite may keep them out of lookaside.
  int rc =
      sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s.stmt_, nullptr);
  if (rc != SQLITE_OK) return db_error(db, "prepare \"" + std::string(sql.substr(0, 60)) + "\"");
  return s;
}

Status prepare_all(sqlite3* db, std::initializer_list<StmtDef> defs, std::vector<Stmt*>& kept) {
  for (const StmtDef& d : defs) {
    auto stmt = Stmt::prepare(db, d.sql);
    if (!stmt) return tl::unexpected(stmt.error());
    *d.stmt = std::move(*stmt);
    kept.push_back(d.stmt);
  }
  return {};
}

void finalize_all(std::vector<Stmt*>& kept) {
  for (Stmt* s : kept) *s = Stmt();
  kept.clear();
}

void Stmt::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}

void Stmt::bind(int index, std::string_view text) {
  // SQLITE_STATIC: every caller keeps the bound string alive until reset().
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

void Stmt::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
}

void Stmt::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
}

int Stmt::step() {
  return sqlite3_step(stmt_);
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Stmt::text(int column) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::string(data, static_cast<size_t>(size)) : std::string();
}

Db::~Db() {
  close();
}

Status Db::open(const std::string& path, bool create, int busy_timeout_ms) {
  close();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    close();
    return fail("unavailable", "cannot open spool " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  return {};
}

void Db::close() {
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Status Db::exec(std::string_view sql) {
  std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db_error(db_, "\"" + text.substr(0, 60) + "\"");
  }
  return {};
}

std::string Db::last_error() const {
  return db_ ? sqlite3_errmsg(db_) : "no connection";
}

tl::unexpected<Error> db_error(sqlite3* db, const std::string& what) {
  return fail("unavailable", "spool: " + what + " failed: " + (db ? sqlite3_errmsg(db) : "no connection"));
}

}  // namespace fanout::spool
