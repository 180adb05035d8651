// The PostgreSQL spool against a real server (started by the test): idempotency across nodes, shared
// delivery through leases, outcomes, dead letters, schema versions, connection errors, an outage.
#include <libpq-fe.h>

#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "postgres/pg_server.h"
#include "spool/pg_schema.h"
#include "spool/postgres_spool.h"

namespace fanout::spool {
namespace {

using namespace std::chrono_literals;
using pgtest::PgServer;

NewEvent event(const std::string& id, int64_t received_at_ms = now_ms()) {
  NewEvent e;
  e.event_id = id;
  e.received_at_ms = received_at_ms;
  e.payload = "{\"event_id\":\"" + id + "\"}";
  Delivery pending;
  pending.destination = "meta";
  e.deliveries.push_back(pending);
  Delivery skipped;
  skipped.destination = "ga4";
  skipped.state = State::skipped;
  skipped.reason = "missing_identifiers";
  e.deliveries.push_back(skipped);
  return e;
}

Result<EnqueueResult> enqueue(Spool& s, std::vector<NewEvent> events) {
  std::promise<Result<EnqueueResult>> p;
  auto f = p.get_future();
  s.enqueue(std::move(events), [&p](Result<EnqueueResult> r) { p.set_value(std::move(r)); });
  return f.get();
}

// Waits until every update() before it is committed.
void barrier(Spool& s) { (void)enqueue(s, {}); }

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class PgSpool : public ::testing::Test {
 protected:
  // One server for the suite (initdb takes seconds); each test starts from an empty database.
  static void SetUpTestSuite() {
    if (!PgServer::bin_dir().empty()) shared_ = new PgServer();
  }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }
  void SetUp() override {
    if (PgServer::bin_dir().empty())
      GTEST_SKIP() << "PostgreSQL server binaries not found (apt install postgresql-15): skipping";
    server_ = shared_;
    server_->sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  }

  PostgresOptions options(const std::string& node, int64_t lease_ms = 5000) const {
    PostgresOptions o;
    o.url = server_->url();
    o.node_id = node;
    o.lease_ms = lease_ms;
    return o;
  }

  std::unique_ptr<PostgresSpool> open(const std::string& node, int64_t lease_ms = 5000) {
    auto s = std::make_unique<PostgresSpool>(options(node, lease_ms));
    auto started = s->start();
    EXPECT_TRUE(started) << (started ? "" : started.error().message);
    return s;
  }

  static inline PgServer* shared_ = nullptr;
  PgServer* server_ = nullptr;
};

TEST_F(PgSpool, DuplicateAcrossNodesIsReportedAndWritesNothing) {
  auto a = open("a");
  auto b = open("b");
  auto ra = enqueue(*a, {event("e1"), event("e2")});
  ASSERT_TRUE(ra) << ra.error().message;
  EXPECT_EQ(ra->duplicate, (std::vector<bool>{false, false}));
  auto rb = enqueue(*b, {event("e2"), event("e3"), event("e3")});
  ASSERT_TRUE(rb) << rb.error().message;
  EXPECT_EQ(rb->duplicate, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(rb->seq[0], 0);
  auto st = b->lookup("e1");
  ASSERT_TRUE(st && *st);
  ASSERT_EQ((*st)->deliveries.size(), 2u);
  EXPECT_EQ((*st)->deliveries[0].destination, "ga4");
  EXPECT_EQ((*st)->deliveries[0].state, State::skipped);
  EXPECT_EQ((*st)->deliveries[1].destination, "meta");
  EXPECT_EQ((*st)->deliveries[1].state, State::pending);
  EXPECT_EQ(server_->sql("SELECT count(*) FROM fanout_events"), "3");
}

TEST_F(PgSpool, SameIdsAtTwoNodesAtOnceAreAcceptedOnce) {
  auto a = open("a");
  auto b = open("b");
  constexpr int kIds = 200;
  std::vector<int> accepted(kIds, 0);
  std::mutex mu;
  auto post_all = [&](Spool& s) {
    std::vector<std::future<void>> waits;
    for (int i = 0; i < kIds; ++i) {
      auto p = std::make_shared<std::promise<void>>();
      waits.push_back(p->get_future());
      s.enqueue({event("same-" + std::to_string(i))}, [&, i, p](Result<EnqueueResult> r) {
        if (r && !r->duplicate[0]) {
          std::lock_guard lock(mu);
          ++accepted[i];
        }
        p->set_value();
      });
    }
    for (auto& w : waits) w.wait();
  };
  std::thread ta([&] { post_all(*a); });
  std::thread tb([&] { post_all(*b); });
  ta.join();
  tb.join();
  for (int i = 0; i < kIds; ++i) EXPECT_EQ(accepted[i], 1) << "same-" << i;
}

TEST_F(PgSpool, EachPendingDeliveryHasOneOwnerAndSigtermHandsItBack) {
  auto a = open("a");
  auto b = open("b");
  std::vector<NewEvent> events;
  for (int i = 0; i < 10; ++i) events.push_back(event("own-" + std::to_string(i)));
  ASSERT_TRUE(enqueue(*a, std::move(events)));
  auto mine = a->load_pending("meta", 0, 100);
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->size(), 10u);
  auto theirs = b->load_pending("meta", 0, 100);
  ASSERT_TRUE(theirs);
  EXPECT_TRUE(theirs->empty()) << "a live node's work is not claimable";
  a->close();
  auto taken = b->load_pending("meta", 0, 100);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->size(), 10u);
  EXPECT_EQ(server_->sql("SELECT count(DISTINCT owner) FROM fanout_outbox"), "1");
}

TEST_F(PgSpool, ALapsedLeaseIsTakenOverAndTheGenerationMoves) {
  auto a = open("a");
  auto b = open("b");
  ASSERT_TRUE(enqueue(*a, {event("lap-1"), event("lap-2")}));
  auto before = b->replay_generation();
  ASSERT_TRUE(before);
  // As if `a` had been killed: its lease ends without a release.
  const int64_t old = a->node();
  server_->sql("UPDATE fanout_nodes SET lease_until = now() - interval '1 second' WHERE id = " +
               std::to_string(a->node()));
  auto after = b->replay_generation();
  ASSERT_TRUE(after);
  EXPECT_NE(*after, *before) << "a lapsed lease makes the engine re-read";
  auto taken = b->load_pending("meta", 0, 100);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->size(), 2u);
  // `a` notices on its next renewal, registers anew and no longer sees the rows b took.
  EXPECT_TRUE(wait_for([&] { return a->node() != old; }, 5s));
  EXPECT_TRUE(wait_for([&] { return a->may_send(); }, 5s));
  auto left = a->load_pending("meta", 0, 100);
  ASSERT_TRUE(left);
  EXPECT_TRUE(left->empty());
}

TEST_F(PgSpool, OutcomesRetriesDeadLettersAndReplay) {
  auto a = open("a");
  auto r = enqueue(*a, {event("o-1"), event("o-2"), event("o-3")});
  ASSERT_TRUE(r);
  const int64_t s1 = r->seq[0], s2 = r->seq[1], s3 = r->seq[2];
  a->update({{s1, "meta", State::delivered, "", 1, 0, ""},
             {s2, "meta", State::pending, "", 1, now_ms() + 60000, "http_503"},
             {s3, "meta", State::pending, "", 1, 0, "timeout"},
             {s3, "meta", State::failed, "rejected: bad pixel", 2, 0, ""}});
  barrier(*a);
  auto st1 = a->lookup("o-1");
  ASSERT_TRUE(st1 && *st1);
  EXPECT_EQ((*st1)->deliveries[1].state, State::delivered);
  auto st2 = a->lookup("o-2");
  ASSERT_TRUE(st2 && *st2);
  EXPECT_EQ((*st2)->deliveries[1].state, State::pending);
  EXPECT_EQ((*st2)->deliveries[1].last_error, "http_503");
  EXPECT_EQ((*st2)->deliveries[1].attempts, 1);
  auto pending = a->load_pending("meta", 0, 100);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].seq, s2);
  EXPECT_GT((*pending)[0].next_attempt_at_ms, now_ms());

  auto letters = a->dead_letters("", "", 10);
  ASSERT_TRUE(letters);
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].event_id, "o-3");
  EXPECT_EQ((*letters)[0].reason, "rejected: bad pixel");
  auto gen = a->replay_generation();
  ASSERT_TRUE(gen);
  auto replayed = a->replay("meta", "");
  ASSERT_TRUE(replayed);
  EXPECT_EQ(*replayed, 1);
  auto gen2 = a->replay_generation();
  ASSERT_TRUE(gen2);
  EXPECT_NE(*gen2, *gen);
  pending = a->load_pending("meta", 0, 100);
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->size(), 2u) << "the replayed dead letter is pending again";
}

// A delivery is pending (outbox) or final (fanout_deliveries), never both, so outcomes are plain
// inserts. Should a final row exist anyway, the group is written again as an upsert, not dropped.
TEST_F(PgSpool, AnOutcomeOverAnExistingFinalRowIsStillRecorded) {
  auto a = open("a");
  auto r = enqueue(*a, {event("c-1"), event("c-2")});
  ASSERT_TRUE(r);
  const int64_t s1 = r->seq[0], s2 = r->seq[1];
  server_->sql("INSERT INTO fanout_deliveries(seq, destination, state) SELECT " + std::to_string(s1) +
               ", id, 2 FROM fanout_destinations WHERE name = 'meta'");
  a->update({{s1, "meta", State::delivered, "", 1, 0, ""}, {s2, "meta", State::delivered, "", 1, 0, ""}});
  barrier(*a);
  for (const char* id : {"c-1", "c-2"}) {
    auto st = a->lookup(id);
    ASSERT_TRUE(st && *st) << id;
    ASSERT_EQ((*st)->deliveries.size(), 2u) << id;
    EXPECT_EQ((*st)->deliveries[1].destination, "meta");
    EXPECT_EQ((*st)->deliveries[1].state, State::delivered) << id;
  }
  EXPECT_EQ(server_->sql("SELECT count(*) FROM fanout_outbox"), "0");
}

TEST_F(PgSpool, PurgeDeletesOldFinishedEventsOnly) {
  auto a = open("a");
  const int64_t old = now_ms() - 8LL * 24 * 3600 * 1000;
  auto r = enqueue(*a, {event("old-done", old), event("old-pending", old), event("new-done")});
  ASSERT_TRUE(r);
  a->update({{r->seq[0], "meta", State::delivered, "", 1, 0, ""}, {r->seq[2], "meta", State::delivered, "", 1, 0, ""}});
  barrier(*a);
  auto purged = a->purge(now_ms() - 7LL * 24 * 3600 * 1000);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
  EXPECT_FALSE(a->lookup("old-done").value());
  EXPECT_TRUE(a->lookup("old-pending").value());
  EXPECT_TRUE(a->lookup("new-done").value());
  EXPECT_EQ(server_->sql("SELECT count(*) FROM fanout_events"), "2");
}

TEST_F(PgSpool, ANewerSchemaIsRefusedNamingBothVersions) {
  open("a")->close();
  server_->sql("UPDATE fanout_schema SET version = 99");
  PostgresSpool b(options("b"));
  auto started = b.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("99"), std::string::npos) << started.error().message;
  const std::string ours = "(" + std::to_string(kPgSchemaVersion) + ")";
  EXPECT_NE(started.error().message.find(ours), std::string::npos) << started.error().message;
}

// A database a version-1 build wrote (payloads in their own table) is upgraded at start with its
// pending work: the payload is claimed from the event's row.
TEST_F(PgSpool, UpgradesAVersion1SchemaKeepingPendingWork) {
  server_->sql(std::string("CREATE TABLE fanout_schema(version integer NOT NULL); INSERT INTO fanout_schema VALUES (1);") +
               pg_schema_step(1));
  server_->sql("INSERT INTO fanout_destinations(id, name) VALUES (1, 'meta');"
               "INSERT INTO fanout_events(event_id, received_at_ms) VALUES ('from-v1', 1);"
               "INSERT INTO fanout_payloads(seq, payload) SELECT seq, '{\"v\":1}' FROM fanout_events;"
               "INSERT INTO fanout_outbox(seq, destination) SELECT seq, 1 FROM fanout_events");
  auto a = open("a");
  EXPECT_EQ(server_->sql("SELECT version FROM fanout_schema"), std::to_string(kPgSchemaVersion));
  EXPECT_EQ(server_->sql("SELECT count(*) FROM pg_tables WHERE tablename = 'fanout_payloads'"), "0");
  auto pending = a->load_pending("meta", 0, 10);
  ASSERT_TRUE(pending) << pending.error().message;
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].payload, "{\"v\":1}");
  auto status = a->lookup("from-v1");
  ASSERT_TRUE(status && *status);
  ASSERT_EQ((*status)->deliveries.size(), 1u);
  EXPECT_EQ((*status)->deliveries[0].state, State::pending);
}

TEST_F(PgSpool, NodesStartingTogetherCreateTheSchemaOnce) {
  std::vector<std::unique_ptr<PostgresSpool>> spools(4);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int i = 0; i < 4; ++i) {
    spools[i] = std::make_unique<PostgresSpool>(options("n" + std::to_string(i)));
    threads.emplace_back([&, i] { ok[i] = spools[i]->start() ? 1 : 0; });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(server_->sql("SELECT count(*) FROM fanout_schema"), "1");
}

TEST_F(PgSpool, AWrongPasswordNamesTheKeyAndHostButNotThePassword) {
  auto o = options("a");
  o.url = server_->url_with_password("Wrong-Pa55word");
  o.url_key = "spool.url_env (T_PG)";
  PostgresSpool s(o);
  auto started = s.start();
  ASSERT_FALSE(started);
  const std::string& m = started.error().message;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_NE(m.find("spool.url_env (T_PG)"), std::string::npos) << m;
  EXPECT_NE(m.find("127.0.0.1"), std::string::npos) << m;
  EXPECT_EQ(m.find("Wrong-Pa55word"), std::string::npos) << m;
}

TEST_F(PgSpool, AnOutageRefusesWritesKeepsOutcomesAndRecovers) {
  auto a = open("a", 3000);
  auto r = enqueue(*a, {event("out-1")});
  ASSERT_TRUE(r);
  server_->stop();
  a->update({{r->seq[0], "meta", State::delivered, "", 1, 0, ""}});
  EXPECT_TRUE(wait_for([&] { return !a->writable(); }, 10s));
  EXPECT_FALSE(a->may_send());
  auto refused = enqueue(*a, {event("out-2")});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "unavailable");
  server_->start();
  EXPECT_TRUE(wait_for([&] { return a->writable(); }, 15s));
  // The outcome recorded while the database was gone was kept and written after it came back.
  EXPECT_TRUE(wait_for(
      [&] {
        auto st = a->lookup("out-1");
        return st && *st && (*st)->deliveries[1].state == State::delivered;
      },
      10s));
  auto accepted = enqueue(*a, {event("out-2")});
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_FALSE(accepted->duplicate[0]);
}

// --- spool.max_bytes ---

// ~1 KB that PostgreSQL stores as is (below the TOAST threshold, and random, so nothing compresses).
std::string incompressible(size_t bytes, uint64_t seed) {
  std::string out;
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  while (out.size() < bytes) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out += "0123456789abcdef"[x & 15];
  }
  return out;
}

TEST_F(PgSpool, OverMaxBytesEnqueuesAreRefusedUntilTheTablesShrink) {
  // The size of the empty schema, as the spool measures it at start.
  int64_t empty = 0;
  {
    auto probe = open("probe");
    empty = probe->live_bytes();
    probe->close();
  }
  ASSERT_GT(empty, 0);
  auto o = options("a", 600);  // renewals, hence size samples, every 200 ms
  o.max_bytes = empty + 256 * 1024;
  PostgresSpool a(o);
  ASSERT_TRUE(a.start());
  EXPECT_TRUE(a.writable());
  // Batches of 100 events of ~1 KB until the spool refuses one; each accepted batch is committed.
  Result<EnqueueResult> last;
  int accepted_batches = 0;
  for (int batch = 0; batch < 40; ++batch) {
    std::vector<NewEvent> events;
    for (int i = 0; i < 100; ++i) {
      NewEvent e = event("big-" + std::to_string(batch) + "-" + std::to_string(i));
      e.payload = incompressible(1024, static_cast<uint64_t>(batch * 100 + i));
      events.push_back(std::move(e));
    }
    last = enqueue(a, std::move(events));
    if (!last) break;
    ++accepted_batches;
    std::this_thread::sleep_for(100ms);  // lets a sample see the growth
  }
  ASSERT_FALSE(last) << "never refused: the size is not enforced";
  EXPECT_GE(accepted_batches, 2) << "refused before the tables reached max_bytes";
  EXPECT_EQ(last.error().code, "unavailable");
  EXPECT_NE(last.error().message.find("spool.max_bytes"), std::string::npos) << last.error().message;
  EXPECT_GT(a.live_bytes(), o.max_bytes);
  EXPECT_FALSE(a.writable()) << "/readyz answers 503 while over max_bytes";
  EXPECT_TRUE(a.may_send()) << "delivery goes on (it is what lets purge free space)";
  // A barrier writes nothing and is still answered.
  EXPECT_TRUE(enqueue(a, {}));
  // Space given back (what VACUUM FULL or pg_repack does after a purge): the next sample reopens intake.
  server_->sql("TRUNCATE fanout_events, fanout_outbox, fanout_deliveries");
  EXPECT_TRUE(wait_for([&] { return a.writable(); }, 5s));
  auto again = enqueue(a, {event("after-truncate")});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->duplicate[0]);
}

// --- a node cut off longer than its lease ---

TEST_F(PgSpool, OutcomesForDeliveriesAnotherNodeTookOverAreNotRecorded) {
  auto a = open("a");
  auto b = open("b");
  auto r = enqueue(*a, {event("cut-1"), event("cut-2"), event("cut-3")});
  ASSERT_TRUE(r);
  const int64_t s1 = r->seq[0], s2 = r->seq[1], s3 = r->seq[2];
  // `a` is cut off: its lease lapses, `b` takes two of its three rows over.
  const int64_t old = a->node();
  EXPECT_EQ(a->lease_epoch(), 0u);
  server_->sql("UPDATE fanout_nodes SET lease_until = now() - interval '1 second' WHERE id = " + std::to_string(old));
  auto taken = b->load_pending("meta", 0, 2);
  ASSERT_TRUE(taken);
  ASSERT_EQ(taken->size(), 2u);
  // `a` comes back with the answers of what it had in flight: a success, a retry, a dead letter.
  a->update({{s1, "meta", State::delivered, "", 1, 0, ""},
             {s2, "meta", State::pending, "", 1, now_ms() + 60000, "http_503"},
             {s3, "meta", State::failed, "rejected", 1, 0, ""}});
  barrier(*a);
  // Only the row nobody took (still owned by a's old id) took a's outcome.
  EXPECT_EQ(server_->sql("SELECT count(*) FROM fanout_outbox WHERE owner = " + std::to_string(b->node())), "2");
  EXPECT_EQ(server_->sql("SELECT attempts FROM fanout_outbox WHERE seq = " + std::to_string(s2)), "0");
  auto st3 = a->lookup("cut-3");
  ASSERT_TRUE(st3 && *st3);
  EXPECT_EQ((*st3)->deliveries[1].state, State::failed);
  auto st1 = b->lookup("cut-1");
  ASSERT_TRUE(st1 && *st1);
  EXPECT_EQ((*st1)->deliveries[1].state, State::pending) << "b's delivery, b records its outcome";
  // b's own outcome is recorded.
  b->update({{s1, "meta", State::delivered, "", 1, 0, ""}});
  barrier(*b);
  st1 = b->lookup("cut-1");
  ASSERT_TRUE(st1 && *st1);
  EXPECT_EQ((*st1)->deliveries[1].state, State::delivered);
  // a notices at its next renewal: a new id, and lease_epoch() moves (delivery drops what it held).
  EXPECT_TRUE(wait_for([&] { return a->node() != old; }, 5s));
  EXPECT_EQ(a->lease_epoch(), 1u);
  EXPECT_TRUE(wait_for([&] { return a->may_send(); }, 5s));
  // Under its new id a records outcomes of what it accepts or claims again.
  auto r4 = enqueue(*a, {event("cut-4")});
  ASSERT_TRUE(r4);
  a->update({{r4->seq[0], "meta", State::delivered, "", 1, 0, ""}});
  barrier(*a);
  auto st4 = a->lookup("cut-4");
  ASSERT_TRUE(st4 && *st4);
  EXPECT_EQ((*st4)->deliveries[1].state, State::delivered);
}

// --- purge ---

// Enqueues `n` events received `age_ms` ago, in groups, and delivers them all (meta; ga4 is skipped).
void old_delivered(PostgresSpool& s, const std::string& prefix, int n, int64_t age_ms) {
  const int64_t at = now_ms() - age_ms;
  for (int first = 0; first < n; first += 1000) {
    std::vector<NewEvent> events;
    for (int i = first; i < std::min(n, first + 1000); ++i) events.push_back(event(prefix + std::to_string(i), at));
    auto r = enqueue(s, std::move(events));
    ASSERT_TRUE(r) << r.error().message;
    std::vector<DeliveryUpdate> done;
    for (int64_t seq : r->seq) done.push_back({seq, "meta", State::delivered, "", 1, 0, ""});
    s.update(std::move(done));
  }
  barrier(s);
}

constexpr int64_t kEightDaysMs = 8LL * 24 * 3600 * 1000;
constexpr int64_t kWindowMs = 7LL * 24 * 3600 * 1000;

TEST_F(PgSpool, TwoNodesPurgingAtOnceDeleteEachOldEventOnce) {
  auto a = open("a");
  auto b = open("b");
  // 5,000 events past the window (more than two purge chunks), some recent ones and an old pending one.
  old_delivered(*a, "old-", 5000, kEightDaysMs);
  old_delivered(*b, "new-", 10, 0);
  ASSERT_TRUE(enqueue(*a, {event("old-pending", now_ms() - kEightDaysMs)}));
  int64_t purged_a = -1, purged_b = -1;
  std::thread ta([&] { purged_a = a->purge(now_ms() - kWindowMs).value_or(-1); });
  std::thread tb([&] { purged_b = b->purge(now_ms() - kWindowMs).value_or(-1); });
  ta.join();
  tb.join();
  ASSERT_GE(purged_a, 0);
  ASSERT_GE(purged_b, 0);
  EXPECT_EQ(purged_a + purged_b, 5000);
  EXPECT_EQ(server_->sql("SELECT count(*) FROM fanout_events"), "11");
  // The outcomes of purged events went with them: 10 recent (meta + ga4) and old-pending's ga4 skip.
  EXPECT_EQ(server_->sql("SELECT count(*) FROM fanout_deliveries"), "21");
  EXPECT_TRUE(b->lookup("old-pending").value());
  EXPECT_FALSE(b->lookup("old-1").value());
  // Nothing left to purge: a second run from either node deletes nothing.
  EXPECT_EQ(a->purge(now_ms() - kWindowMs).value_or(-1), 0);
}

TEST_F(PgSpool, PurgeSkipsAnEventAReplayIsHolding) {
  auto a = open("a");
  old_delivered(*a, "hold-", 3, kEightDaysMs);
  // Another transaction holds the event as a replay does (KEY SHARE on its row) and stays open.
  PGconn* c = PQconnectdb(server_->url().c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK);
  PQclear(PQexec(c, "BEGIN"));
  PGresult* locked = PQexec(c, "SELECT seq FROM fanout_events WHERE event_id = 'hold-1' FOR KEY SHARE");
  EXPECT_EQ(PQresultStatus(locked), PGRES_TUPLES_OK);
  PQclear(locked);
  // The purge neither waits for it nor deletes it.
  auto purged = a->purge(now_ms() - kWindowMs);
  ASSERT_TRUE(purged) << purged.error().message;
  EXPECT_EQ(*purged, 2);
  EXPECT_TRUE(a->lookup("hold-1").value());
  PQclear(PQexec(c, "COMMIT"));
  PQfinish(c);
  EXPECT_EQ(a->purge(now_ms() - kWindowMs).value_or(-1), 1);
  EXPECT_FALSE(a->lookup("hold-1").value());
}

TEST_F(PgSpool, AReplayedOldDeadLetterIsNotPurged) {
  auto a = open("a");
  auto r = enqueue(*a, {event("dl-old", now_ms() - kEightDaysMs)});
  ASSERT_TRUE(r);
  a->update({{r->seq[0], "meta", State::failed, "rejected", 1, 0, ""}});
  barrier(*a);
  ASSERT_EQ(a->replay("meta", "dl-old").value_or(-1), 1);
  EXPECT_EQ(a->purge(now_ms() - kWindowMs).value_or(-1), 0) << "pending again: not purged";
  auto pending = a->load_pending("meta", 0, 10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_FALSE((*pending)[0].payload.empty());
}

}  // namespace
}  // namespace fanout::spool
