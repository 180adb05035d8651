#include "spool/console_reader_pg.h"

#include <chrono>

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

}  // namespace

Status PgConsoleReader::ready() {
  if (closed_) return fail("unavailable", "spool is closed");
  if (conn_.ok()) return {};
  const int64_t now = steady_ms();
  if (now < retry_at_ms_) return fail("unavailable", "PostgreSQL is unreachable");
  Status s = conn_.connect(url_, key_);
  if (s) {
    auto set = conn_.exec("SET statement_timeout = " + std::to_string(kStatementTimeoutMs));
    if (!set) s = tl::unexpected(set.error());
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

void PgConsoleReader::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  conn_.close();
}

// The spool's console reads go to its console reader (declared in postgres_spool.h).
Result<std::vector<StateCount>> PostgresSpool::state_counts() { return console_reader_.state_counts(); }

}  // namespace fanout::spool
