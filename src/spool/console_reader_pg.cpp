#include "spool/console_reader_pg.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "spool/pg_schema.h"
#include "spool/postgres_spool.h"

namespace fanout::spool {
namespace {

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// One snapshot (one statement): final deliveries by state, pending ones (outbox rows) as state 0.
constexpr const char* kStateCountsSql =
    "SELECT n.name, c.state, c.n FROM ("
    "SELECT destination, state::integer AS state, count(*) AS n FROM fanout_deliveries GROUP BY 1, 2 "
    "UNION ALL SELECT destination, 0, count(*) FROM fanout_outbox GROUP BY 1) c "
    "JOIN fanout_destinations n ON n.id = c.destination ORDER BY 1, 2";

constexpr const char* kRecentSql =
    "SELECT seq, event_id, received_at_ms, payload FROM fanout_events WHERE seq > $1 ORDER BY seq DESC LIMIT $2";
constexpr const char* kFindSql = "SELECT seq, event_id, received_at_ms, payload FROM fanout_events WHERE event_id = $1";
// One statement, one snapshot (a delivery moving from the outbox to its outcome is seen in one of the
// two, never both or neither), ordered as the SQLite spool's: by seq, then destination name. The outbox
// is probed by its primary key once per destination id.
constexpr const char* kStatesSql = R"sql(
SELECT x.seq, n.name, x.state, x.reason, x.attempts, x.updated_at_ms, x.next_attempt_at_ms, x.last_error FROM (
  SELECT o.seq, o.destination, 0::int2 AS state, ''::text AS reason, o.attempts, o.updated_at_ms,
         o.next_attempt_at_ms, o.last_error
  FROM fanout_outbox o
  WHERE o.destination = ANY (ARRAY(SELECT id FROM fanout_destinations)) AND o.seq BETWEEN $1 AND $2
  UNION ALL
  SELECT d.seq, d.destination, d.state, d.reason, d.attempts, d.updated_at_ms, d.next_attempt_at_ms, d.last_error
  FROM fanout_deliveries d WHERE d.seq BETWEEN $1 AND $2) x
JOIN fanout_destinations n ON n.id = x.destination ORDER BY x.seq, n.name
)sql";

}  // namespace

Status PgConsoleReader::ready() {
  if (closed_) return fail("unavailable", "spool is closed");
  if (conn_.ok()) return {};
  const int64_t now = steady_ms();
  if (now < retry_at_ms_) return fail("unavailable", "PostgreSQL is unreachable");
  Status s = conn_.connect(url_, key_, "-c statement_timeout=" + std::to_string(kStatementTimeoutMs));
  if (s) {
    // Registered on the first connect (a reconnect prepares them again by itself).
    using P = PgParams;
    s = conn_.prepare("recent", kRecentSql, {P::kInt8, P::kInt8});
    if (s) s = conn_.prepare("find", kFindSql, {P::kText});
    if (s) s = conn_.prepare("states", kStatesSql, {P::kInt8, P::kInt8});
  }
  if (!s) {
    conn_.close();
    retry_at_ms_ = now + kRetryMs;
  }
  return s;
}

Result<std::vector<StateCount>> PgConsoleReader::state_counts() {
  std::lock_guard lock(mu_);
  if (auto s = ready(); !s) return tl::unexpected(s.error());
  auto r = conn_.exec(kStateCountsSql);
  if (!r) return tl::unexpected(r.error());
  std::vector<StateCount> out;
  out.reserve(static_cast<size_t>(r->rows()));
  for (int row = 0; row < r->rows(); ++row)
    out.push_back(StateCount{std::string(r->text(row, 0)), pg_state(r->int64(row, 1)), r->int64(row, 2)});
  return out;
}

Result<std::vector<StoredEvent>> PgConsoleReader::events(const std::string& statement, const PgParams& params) {
  if (auto s = ready(); !s) return tl::unexpected(s.error());
  auto r = conn_.run(statement, params);
  if (!r) return tl::unexpected(r.error());
  std::vector<StoredEvent> out;
  out.reserve(static_cast<size_t>(r->rows()));
  for (int row = 0; row < r->rows(); ++row) {
    StoredEvent e;
    e.seq = r->int64(row, 0);
    e.event_id = std::string(r->text(row, 1));
    e.received_at_ms = r->int64(row, 2);
    e.payload = std::string(r->text(row, 3));
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<StoredEvent>> PgConsoleReader::recent_events(int64_t after_seq, size_t limit) {
  std::lock_guard lock(mu_);
  PgParams p;
  p.int8(after_seq);
  p.int8(static_cast<int64_t>(std::min<size_t>(limit, std::numeric_limits<int64_t>::max())));
  return events("recent", p);
}

Result<std::optional<StoredEvent>> PgConsoleReader::find_event(const std::string& event_id) {
  std::lock_guard lock(mu_);
  PgParams p;
  p.text(event_id);
  auto found = events("find", p);
  if (!found) return tl::unexpected(found.error());
  if (found->empty()) return std::optional<StoredEvent>();
  return std::optional<StoredEvent>(std::move(found->front()));
}

Result<std::vector<SeqDelivery>> PgConsoleReader::delivery_states(int64_t from_seq, int64_t to_seq) {
  std::lock_guard lock(mu_);
  if (auto s = ready(); !s) return tl::unexpected(s.error());
  PgParams p;
  p.int8(from_seq);
  p.int8(to_seq);
  auto r = conn_.run("states", p);
  if (!r) return tl::unexpected(r.error());
  std::vector<SeqDelivery> out;
  out.reserve(static_cast<size_t>(r->rows()));
  for (int row = 0; row < r->rows(); ++row) {
    SeqDelivery s;
    s.seq = r->int64(row, 0);
    s.delivery.destination = std::string(r->text(row, 1));
    s.delivery.state = pg_state(r->int64(row, 2));
    s.delivery.reason = std::string(r->text(row, 3));
    s.delivery.attempts = static_cast<int>(r->int64(row, 4));
    s.delivery.updated_at_ms = r->int64(row, 5);
    s.delivery.next_attempt_at_ms = r->int64(row, 6);
    s.delivery.last_error = std::string(r->text(row, 7));
    out.push_back(std::move(s));
  }
  return out;
}

void PgConsoleReader::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  conn_.close();
}

// The spool's console reads go to its console reader (declared in postgres_spool.h).
Result<std::vector<StateCount>> PostgresSpool::state_counts() { return console_reader_.state_counts(); }
Result<std::vector<StoredEvent>> PostgresSpool::recent_events(int64_t after_seq, size_t limit) {
  return console_reader_.recent_events(after_seq, limit);
}
Result<std::optional<StoredEvent>> PostgresSpool::find_event(const std::string& event_id) {
  return console_reader_.find_event(event_id);
}
Result<std::vector<SeqDelivery>> PostgresSpool::delivery_states(int64_t from_seq, int64_t to_seq) {
  return console_reader_.delivery_states(from_seq, to_seq);
}

}  // namespace fanout::spool
