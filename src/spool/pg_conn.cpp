#include "spool/pg_conn.h"

#include <arpa/inet.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace fanout::spool {
namespace {

// Bounds for a dead or unreachable server: a connect gives up after this many seconds, and a
// connection whose peer stops answering is declared dead after this many milliseconds of unacknowledged
// data (TCP_USER_TIMEOUT) or failed keepalives, instead of the kernel's default of ~15 minutes.
constexpr const char* kConnectTimeoutS = "5";
constexpr const char* kTcpUserTimeoutMs = "5000";
constexpr const char* kKeepalivesIdleS = "5";
constexpr const char* kKeepalivesIntervalS = "2";
constexpr const char* kKeepalivesCount = "2";
// Prepared statements are planned for each execution's values and the table's current size. A generic
// plan, cached after five runs, would keep whatever was cheapest when the queue tables were empty
// (sequential scans of the outbox) while they grow to thousands of rows.
constexpr const char* kSessionOptions = "-c plan_cache_mode=force_custom_plan";

void put_be32(std::string& out, uint32_t v) {
  v = htonl(v);
  out.append(reinterpret_cast<const char*>(&v), 4);
}

void put_be64(std::string& out, uint64_t v) {
  put_be32(out, static_cast<uint32_t>(v >> 32));
  put_be32(out, static_cast<uint32_t>(v));
}

// The binary array header: one dimension, no nulls, element type, length, lower bound 1.
void array_header(std::string& out, unsigned elem, size_t n) {
  put_be32(out, 1);
  put_be32(out, 0);
  put_be32(out, elem);
  put_be32(out, static_cast<uint32_t>(n));
  put_be32(out, 1);
}

// libpq messages end in a newline and may span lines; a log or error line wants one line.
std::string one_line(const char* message) {
  std::string out;
  for (const char* p = message ? message : ""; *p; ++p) {
    const char c = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;  // "failed\n\tIs the..." -> "failed Is the..."
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

PgResult::PgResult(pg_result* r) : r_(r) {}
PgResult::PgResult(PgResult&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = std::exchange(o.r_, nullptr);
  }
  return *this;
}
PgResult::~PgResult() {
  if (r_) PQclear(r_);
}
int PgResult::rows() const { return r_ ? PQntuples(r_) : 0; }
bool PgResult::null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string_view PgResult::text(int row, int col) const {
  return {PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col))};
}
int64_t PgResult::int64(int row, int col) const { return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10); }

std::string& PgParams::add(unsigned type) {
  types_.push_back(type);
  values_.emplace_back();
  return values_.back();
}

void PgParams::int2(int16_t v) {
  uint16_t be = htons(static_cast<uint16_t>(v));
  add(kInt2).append(reinterpret_cast<const char*>(&be), 2);
}

void PgParams::int8(int64_t v) { put_be64(add(kInt8), static_cast<uint64_t>(v)); }

void PgParams::text(std::string_view v) { add(kText).assign(v); }

void PgParams::int8_array(const std::vector<int64_t>& v) {
  std::string& out = add(kInt8Array);
  out.reserve(20 + v.size() * 12);
  array_header(out, kInt8, v.size());
  for (int64_t x : v) {
    put_be32(out, 8);
    put_be64(out, static_cast<uint64_t>(x));
  }
}

void PgParams::int4_array(const std::vector<int32_t>& v) {
  std::string& out = add(kInt4Array);
  out.reserve(20 + v.size() * 8);
  array_header(out, kInt4, v.size());
  for (int32_t x : v) {
    put_be32(out, 4);
    put_be32(out, static_cast<uint32_t>(x));
  }
}

void PgParams::int2_array(const std::vector<int16_t>& v) {
  std::string& out = add(kInt2Array);
  out.reserve(20 + v.size() * 6);
  array_header(out, kInt2, v.size());
  for (int16_t x : v) {
    put_be32(out, 2);
    uint16_t be = htons(static_cast<uint16_t>(x));
    out.append(reinterpret_cast<const char*>(&be), 2);
  }
}

void PgParams::text_array(const std::vector<std::string_view>& v) {
  std::string& out = add(kTextArray);
  size_t bytes = 20;
  for (auto s : v) bytes += 4 + s.size();
  out.reserve(bytes);
  array_header(out, kText, v.size());
  for (auto s : v) {
    put_be32(out, static_cast<uint32_t>(s.size()));
    out.append(s);
  }
}

void PgParams::views(std::vector<const char*>& values, std::vector<int>& lengths) const {
  values.clear();
  lengths.clear();
  for (const auto& v : values_) {
    values.push_back(v.data());
    lengths.push_back(static_cast<int>(v.size()));
  }
}

std::string pg_where(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (err) PQfreemem(err);
  if (!opts) return "an unparsable URL";
  std::string host, port;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    if (std::strcmp(o->keyword, "host") == 0 && host.empty()) host = o->val;
    if (std::strcmp(o->keyword, "hostaddr") == 0) host = o->val;
    if (std::strcmp(o->keyword, "port") == 0) port = o->val;
  }
  PQconninfoFree(opts);
  return "host " + (host.empty() ? std::string("(default socket)") : host) + " port " +
         (port.empty() ? std::string("5432") : port);
}

PgConn::~PgConn() { close(); }

bool PgConn::ok() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

void PgConn::close() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
}

Status PgConn::connect(const std::string& url, const std::string& key, const std::string& settings) {
  url_ = url;
  key_ = key;
  options_ = settings.empty() ? kSessionOptions : std::string(kSessionOptions) + " " + settings;
  return reconnect();
}

Status PgConn::reconnect() {
  close();
  // Ours first: with expand_dbname the URL comes last, so whatever it sets itself wins.
  const char* keys[] = {"connect_timeout",  "tcp_user_timeout", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "application_name", "options",         "dbname",
                        nullptr};
  const char* values[] = {kConnectTimeoutS, kTcpUserTimeoutMs, kKeepalivesIdleS, kKeepalivesIntervalS,
                          kKeepalivesCount, "fanout",          options_.c_str(), url_.c_str(),
                          nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (!ok()) {
    std::string why = conn_ ? one_line(PQerrorMessage(conn_)) : "out of memory";
    close();
    return fail("unavailable", key_ + ": cannot connect to PostgreSQL at " + pg_where(url_) + ": " + why);
  }
  // NOTICEs ("relation already exists, skipping") are not for the operator's stderr.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  for (const auto& p : prepared_) {
    if (auto s = prepare_now(p.name, p.sql, p.types); !s) {
      close();
      return s;
    }
  }
  return {};
}

Result<PgResult> PgConn::check(pg_result* r, const std::string& what) {
  PgResult result(r);
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  std::string why = r ? one_line(PQresultErrorMessage(r)) : "";
  if (why.empty() && conn_) why = one_line(PQerrorMessage(conn_));
  const char* sqlstate = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  // A lost connection is "unavailable" like any other outage; the caller reconnects.
  return fail(ok() ? std::string("pg_") + (sqlstate ? sqlstate : "error") : std::string("unavailable"),
              "PostgreSQL " + what + ": " + why);
}

Status PgConn::prepare_now(const std::string& name, const std::string& sql, const std::vector<unsigned>& types) {
  if (!conn_) return fail("unavailable", "PostgreSQL: not connected");
  auto r = check(PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(types.size()), types.data()),
                 "preparing " + name);
  if (!r) return tl::unexpected(r.error());
  return {};
}

Status PgConn::prepare(const std::string& name, const std::string& sql, std::vector<unsigned> types) {
  for (const auto& p : prepared_)
    if (p.name == name) return {};  // registered already: every (re)connect prepares it
  if (auto s = prepare_now(name, sql, types); !s) return s;
  prepared_.push_back(Prepared{name, sql, std::move(types)});
  return {};
}

Result<PgResult> PgConn::run(const std::string& name, const PgParams& params) {
  if (!ok()) return fail("unavailable", "PostgreSQL: not connected");
  std::vector<const char*> values;
  std::vector<int> lengths;
  params.views(values, lengths);
  std::vector<int> formats(values.size(), 1);
  return check(PQexecPrepared(conn_, name.c_str(), params.count(), values.data(), lengths.data(), formats.data(), 0),
               name);
}

Result<PgResult> PgConn::exec(const std::string& sql) {
  if (!ok()) return fail("unavailable", "PostgreSQL: not connected");
  return check(PQexec(conn_, sql.c_str()), sql.substr(0, 40));
}

}  // namespace fanout::spool
