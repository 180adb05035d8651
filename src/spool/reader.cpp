#include "spool/reader.h"

#include <limits>
#include <utility>

#include "spool/schema.h"

namespace fanout::spool {
namespace {

State state_from_code(int64_t code) {
  switch (code) {
    case kStateDelivered:
      return State::delivered;
    case kStateFailed:
      return State::failed;
    case kStateSkipped:
      return State::skipped;
    default:
      return State::pending;
  }
}

int64_t clamp_limit(size_t limit) {
  return limit > static_cast<size_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                          : static_cast<int64_t>(limit);
}

}  // namespace

Status Reader::open(const std::string& path) {
  if (auto s = open_reader(db_, path); !s) return s;
  // Each query is one statement, hence one snapshot: an event is never seen half-updated.
  const std::initializer_list<StmtDef> defs = {
      // Every destination of the event: the ones with a row, and the fresh pending ones (an outbox bit
      // and no row yet, shown as pending since it was received). No destination: one row of NULLs.
      {&lookup_,
       "SELECT e.received_at_ms, n.name, coalesce(d.state, 0), coalesce(d.reason, ''), coalesce(d.attempts, 0), "
       "coalesce(d.updated_at_ms, e.received_at_ms), coalesce(d.next_attempt_at_ms, 0), coalesce(d.last_error, '') "
       "FROM events e LEFT JOIN outbox o ON o.seq = e.seq "
       "LEFT JOIN destinations n ON ((coalesce(o.pending, 0) >> n.id) & 1) = 1 "
       "OR EXISTS (SELECT 1 FROM deliveries x WHERE x.seq = e.seq AND x.destination = n.id) "
       "LEFT JOIN deliveries d ON d.seq = e.seq AND d.destination = n.id "
       "WHERE e.seq = ?1 ORDER BY n.name"},
      {&by_seq_, "SELECT 1 FROM events WHERE seq = ?1 AND event_id = ?2"},
      {&by_hash_, "SELECT e.seq FROM event_ids i JOIN events e ON e.seq = i.seq WHERE i.hash = ?1 AND e.event_id = ?2"},
      {&event_, "SELECT seq, event_id, received_at_ms, payload FROM events WHERE seq = ?1"},
      {&destination_id_, "SELECT id FROM destinations WHERE name = ?1"},
      {&pending_,
       "SELECT o.seq, e.payload, coalesce(d.attempts, 0), coalesce(d.next_attempt_at_ms, 0) FROM outbox o "
       "JOIN events e ON e.seq = o.seq LEFT JOIN deliveries d ON d.seq = o.seq AND d.destination = ?1 "
       "WHERE o.seq > ?2 AND ((o.pending >> ?1) & 1) = 1 ORDER BY o.seq LIMIT ?3"},
      {&dead_letters_,
       "SELECT e.event_id, n.name, d.reason, d.attempts, d.updated_at_ms FROM deliveries d "
       "JOIN events e ON e.seq = d.seq JOIN destinations n ON n.id = d.destination "
       "WHERE d.state = 2 AND (?1 = '' OR n.name = ?1) "
       "AND (?2 = '' OR e.event_id = ?2) ORDER BY d.updated_at_ms DESC, d.seq DESC, n.name LIMIT ?3"},
      {&replays_, "SELECT coalesce((SELECT value FROM meta WHERE key = 'replays'), 0)"},
  };
  return prepare_all(db_.get(), defs, prepared_);
}

void Reader::close() {
  finalize_all(prepared_);
  db_.close();
}

Result<int64_t> Reader::resolve(const std::string& event_id, const RecentIds& recent) {
  const int64_t hash = id_hash(event_id);
  // Read before event_ids: the writer forgets a recent id only once its merge is committed, so an id
  // missing here is already in event_ids.
  const std::vector<int64_t> seqs = recent.seqs(hash);
  for (auto it = seqs.rbegin(); it != seqs.rend(); ++it) {
    by_seq_.bind(1, *it);
    by_seq_.bind(2, event_id);
    const int rc = by_seq_.step();
    by_seq_.reset();
    if (rc == SQLITE_ROW) return *it;
    if (rc != SQLITE_DONE) return db_error(db_.get(), "finding an event");
  }
  by_hash_.bind(1, hash);
  by_hash_.bind(2, event_id);
  const int rc = by_hash_.step();
  const int64_t seq = rc == SQLITE_ROW ? by_hash_.int64(0) : 0;
  by_hash_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(db_.get(), "finding an event");
  return seq;
}

Result<std::optional<StoredEvent>> Reader::find_event(const std::string& event_id, const RecentIds& recent) {
  auto seq = resolve(event_id, recent);
  if (!seq) return tl::unexpected(seq.error());
  std::optional<StoredEvent> out;
  if (*seq == 0) return out;
  event_.bind(1, *seq);
  const int rc = event_.step();
  if (rc == SQLITE_ROW) {
    out.emplace();
    out->seq = event_.int64(0);
    out->event_id = event_.text(1);
    out->received_at_ms = event_.int64(2);
    out->payload = event_.text(3);
  }
  event_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(db_.get(), "finding an event");
  return out;
}

Result<std::optional<EventStatus>> Reader::lookup(const std::string& event_id, const RecentIds& recent) {
  auto seq = resolve(event_id, recent);
  if (!seq) return tl::unexpected(seq.error());
  if (*seq == 0) return std::optional<EventStatus>();
  lookup_.bind(1, *seq);
  std::optional<EventStatus> status;
  int rc;
  while ((rc = lookup_.step()) == SQLITE_ROW) {
    if (!status) {
      status.emplace();
      status->event_id = event_id;
      status->received_at_ms = lookup_.int64(0);
    }
    if (sqlite3_column_type(lookup_.get(), 1) == SQLITE_NULL) continue;  // an event without deliveries
    Delivery d;
    d.destination = lookup_.text(1);
    d.state = state_from_code(lookup_.int64(2));
    d.reason = lookup_.text(3);
    d.attempts = static_cast<int>(lookup_.int64(4));
    d.updated_at_ms = lookup_.int64(5);
    d.next_attempt_at_ms = lookup_.int64(6);
    d.last_error = lookup_.text(7);
    status->deliveries.push_back(std::move(d));
  }
  lookup_.reset();
  if (rc != SQLITE_DONE) return db_error(db_.get(), "looking up event");
  return status;
}

Result<std::vector<PendingDelivery>> Reader::load_pending(const std::string& destination, int64_t after_seq,
                                                          size_t limit) {
  // Ids never change once assigned, so this lookup and the query need not share a snapshot.
  destination_id_.bind(1, destination);
  int rc = destination_id_.step();
  const int64_t id = rc == SQLITE_ROW ? destination_id_.int64(0) : 0;
  destination_id_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(db_.get(), "reading destination id");
  std::vector<PendingDelivery> out;
  if (id == 0) return out;  // never seen: nothing pending
  pending_.bind(1, id);
  pending_.bind(2, after_seq);
  pending_.bind(3, clamp_limit(limit));
  while ((rc = pending_.step()) == SQLITE_ROW) {
    PendingDelivery p;
    p.seq = pending_.int64(0);
    p.payload = pending_.text(1);
    p.attempts = static_cast<int>(pending_.int64(2));
    p.next_attempt_at_ms = pending_.int64(3);
    out.push_back(std::move(p));
  }
  pending_.reset();
  if (rc != SQLITE_DONE) return db_error(db_.get(), "loading pending deliveries");
  return out;
}

Result<std::vector<DeadLetter>> Reader::dead_letters(const std::string& destination, const std::string& event_id,
                                                     size_t limit) {
  dead_letters_.bind(1, destination);
  dead_letters_.bind(2, event_id);
  dead_letters_.bind(3, clamp_limit(limit));
  std::vector<DeadLetter> out;
  int rc;
  while ((rc = dead_letters_.step()) == SQLITE_ROW) {
    DeadLetter d;
    d.event_id = dead_letters_.text(0);
    d.destination = dead_letters_.text(1);
    d.reason = dead_letters_.text(2);
    d.attempts = static_cast<int>(dead_letters_.int64(3));
    d.updated_at_ms = dead_letters_.int64(4);
    out.push_back(std::move(d));
  }
  dead_letters_.reset();
  if (rc != SQLITE_DONE) return db_error(db_.get(), "listing dead letters");
  return out;
}

Result<int64_t> Reader::replay_generation() {
  // A failed read is an error, not generation 0: the engine would take the change for a replay.
  const int rc = replays_.step();
  const int64_t generation = rc == SQLITE_ROW ? replays_.int64(0) : 0;
  replays_.reset();
  if (rc != SQLITE_ROW) return db_error(db_.get(), "reading the replay count");
  return generation;
}

}  // namespace fanout::spool
