#pragma once
// A thin RAII layer over libpq for the PostgreSQL spool: one connection, its prepared statements
// (prepared again after every reconnect), binary parameters including arrays (multi-row writes go
// through unnest() of a few arrays: one statement and one round trip per group, however many rows),
// and text results. Used by one thread at a time; the caller serializes.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct pg_conn;
struct pg_result;

namespace fanout::spool {

// One query result; owns the PGresult.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* r);
  PgResult(PgResult&&) noexcept;
  PgResult& operator=(PgResult&&) noexcept;
  ~PgResult();

  int rows() const;
  bool null(int row, int col) const;
  std::string_view text(int row, int col) const;
  int64_t int64(int row, int col) const;

 private:
  pg_result* r_ = nullptr;
};

// Binary parameters of one statement. Types are PostgreSQL type oids (see the k* constants).
class PgParams {
 public:
  static constexpr unsigned kInt2 = 21, kInt4 = 23, kInt8 = 20, kText = 25;
  static constexpr unsigned kInt2Array = 1005, kInt4Array = 1007, kInt8Array = 1016, kTextArray = 1009;

  void int2(int16_t v);
  void int8(int64_t v);
  void text(std::string_view v);
  void int8_array(const std::vector<int64_t>& v);
  void int4_array(const std::vector<int32_t>& v);
  void int2_array(const std::vector<int16_t>& v);
  void text_array(const std::vector<std::string_view>& v);

  int count() const { return static_cast<int>(values_.size()); }
  const std::vector<unsigned>& types() const { return types_; }
  // Pointers and lengths for PQexecPrepared (valid while this object lives and is unchanged).
  void views(std::vector<const char*>& values, std::vector<int>& lengths) const;

 private:
  std::string& add(unsigned type);
  std::vector<std::string> values_;
  std::vector<unsigned> types_;
};

class PgConn {
 public:
  PgConn() = default;
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;
  ~PgConn();

  // Connects to `url` (a libpq URI or conninfo). `key` names the config key it came from, for errors,
  // which name the key and the host and never the password. `settings`: more session settings of
  // this connection ("-c name=value ..."), applied again on every reconnect.
  Status connect(const std::string& url, const std::string& key, const std::string& settings = "");
  // Drops the connection (if any) and connects again, preparing every registered statement.
  Status reconnect();
  bool ok() const;
  void close();

  // Registers and prepares a named statement (prepared again after reconnect()); a name registered
  // already is left as it is.
  Status prepare(const std::string& name, const std::string& sql, std::vector<unsigned> types);
  Result<PgResult> run(const std::string& name, const PgParams& params);
  // A statement without parameters (BEGIN, COMMIT, DDL), possibly several separated by ';'.
  Result<PgResult> exec(const std::string& sql);

 private:
  Result<PgResult> check(pg_result* r, const std::string& what);
  Status prepare_now(const std::string& name, const std::string& sql, const std::vector<unsigned>& types);
  struct Prepared {
    std::string name, sql;
    std::vector<unsigned> types;
  };
  pg_conn* conn_ = nullptr;
  std::string url_, key_, options_;
  std::vector<Prepared> prepared_;
};

// "host H port P" of a libpq URL or conninfo, for messages (never the password).
std::string pg_where(const std::string& url);

}  // namespace fanout::spool
