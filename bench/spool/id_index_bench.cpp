// What an event id index costs the spool writer: WAL frames, bytes written and CPU instructions per
// event, increasing vs random (UUID v4) ids, on a spool that already holds many events. The candidate
// layouts are simulated on raw SQLite with the writer's own writes per commit (an events row with a
// ~1 KB payload, an outbox row, the next_seq meta row), so they are compared without rebuilding fanout:
//   text    events.event_id UNIQUE (the layout up to schema version 3)
//   hash    a (hash, seq) index of a 64-bit hash of the id, written with each event
//   recent  the same index, written in hash-sorted merges of --recent ids held in memory meanwhile
// --layout=fanout runs fanout's own SqliteSpool instead (5 pending deliveries per event, one enqueue
// per group; frames are not visible there, bytes written are).
// Counts, not clocks: the machine it was written on is shared. Wall-clock figures are printed too, for
// a quiet machine. See bench/README.md ("Event id index").
//
//   bench_spool_ids --layout=text|hash|recent|fanout --ids=seq|uuid --prefill=500000 --events=200000
//                   --group=20 [--page-size=4096] [--cache-kb=4096] [--recent=65536] [--sync=full|normal]
//                   [--dir=/tmp]
//
// Run under `valgrind --tool=callgrind --instr-atstart=no` for instructions of the measured phase only, all
// threads (the prefill runs uninstrumented).
#include <sqlite3.h>
#include <valgrind/callgrind.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "spool/sqlite_spool.h"

namespace {

// SQLite's default automatic checkpoint, which the spool keeps: a checkpoint once the WAL holds this many frames.
constexpr int kCheckpointFrames = 1000;

struct Options {
  std::string layout = "text";
  std::string ids = "uuid";
  int64_t prefill = 500000;
  int64_t events = 200000;
  int group = 20;
  int page_size = 4096;
  int cache_kb = 4096;
  int64_t recent = 65536;      // layout=recent: ids kept in memory before they are merged into the index
  int64_t merge_chunk = 4096;  // layout=recent: index rows written per merge transaction
  std::string sync = "full";
  std::string dir = "/tmp";
};

struct Counters {
  int64_t wal_frames = 0;  // frames appended to the WAL by commits
  int64_t last_frames = 0;
  int64_t commits = 0;
};
Counters counters;

int on_wal(void*, sqlite3* db, const char*, int frames) {
  counters.wal_frames += frames >= counters.last_frames ? frames - counters.last_frames : frames;
  counters.last_frames = frames;
  ++counters.commits;
  if (frames >= kCheckpointFrames) {
    sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  return SQLITE_OK;
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
  std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
  std::exit(1);
}

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql.c_str(), error ? error : "");
    std::exit(1);
  }
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), db, sql);
  return s;
}

int step_reset(sqlite3_stmt* s) {
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  return rc;
}

// 64-bit FNV-1a with a final avalanche (the layouts that index a hash of the id).
int64_t hash_id(const std::string& id) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return static_cast<int64_t>(h);
}

class Ids {
 public:
  explicit Ids(bool uuid) : uuid_(uuid), rng_(42) {}
  std::string next() {
    ++n_;
    if (!uuid_) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "order-%012lld", static_cast<long long>(n_));
      return buf;
    }
    uint64_t a = rng_(), b = rng_();
    a = (a & ~0xf000ull) | 0x4000ull;                  // version 4
    b = (b & ~(0xc000ull << 48)) | (0x8000ull << 48);  // variant 10
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                  static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffull));
    return buf;
  }

 private:
  bool uuid_;
  std::mt19937_64 rng_;
  int64_t n_ = 0;
};

// About the size of an encoded purchase event with hashed identifiers (as bench/micro/spool_bench.cpp).
std::string payload(const std::string& id) {
  std::string p = R"({"event_id":")" + id + R"(","event_name":"purchase","event_time":1700000000,)";
  p += R"("user":{"email_lower_sha256":[")" + std::string(64, 'a') + R"("],"phone_e164_sha256":[")" +
       std::string(64, 'b') + R"x("]},"ip":"203.0.113.7","user_agent":"Mozilla/5.0 (X11; Linux x86_64)",)x";
  p += R"("ids":{"fbp":"fb.1.1700000000.123456789","gclid":"EAIaIQobChMI0123456789"},"value":49.9})";
  p.append(1000 - std::min<size_t>(p.size(), 1000), ' ');
  return p;
}

class Spool {
 public:
  Spool(const Options& o, const std::string& path) : o_(o) {
    check(sqlite3_open(path.c_str(), &db_), db_, "open");
    exec(db_, "PRAGMA page_size=" + std::to_string(o.page_size));
    exec(db_, "PRAGMA journal_mode=WAL; PRAGMA cache_size=-" + std::to_string(o.cache_kb));
    exec(db_, "PRAGMA synchronous=" + o.sync);
    exec(db_,
         "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
         "INSERT INTO meta VALUES('next_seq', 1), ('merged_seq', 0);"
         "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, pending INTEGER NOT NULL);");
    if (o.layout == "text") {
      exec(db_,
           "CREATE TABLE events(seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, "
           "received_at_ms INTEGER NOT NULL, payload BLOB NOT NULL)");
      insert_ = prepare(db_, "INSERT INTO events VALUES(?1, ?2, ?3, ?4) ON CONFLICT(event_id) DO NOTHING");
    } else {
      exec(db_,
           "CREATE TABLE events(seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, "
           "received_at_ms INTEGER NOT NULL, payload BLOB NOT NULL);"
           "CREATE TABLE event_ids(hash INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(hash, seq)) "
           "WITHOUT ROWID;");
      insert_ = prepare(db_, "INSERT INTO events VALUES(?1, ?2, ?3, ?4)");
      index_ = prepare(db_, "INSERT OR IGNORE INTO event_ids(hash, seq) VALUES(?1, ?2)");
      probe_ = prepare(db_,
                       "SELECT e.seq FROM event_ids i JOIN events e ON e.seq = i.seq WHERE i.hash = ?1 AND "
                       "e.event_id = ?2");
      same_id_ = prepare(db_, "SELECT 1 FROM events WHERE seq = ?1 AND event_id = ?2");
    }
    outbox_ = prepare(db_, "INSERT INTO outbox VALUES(?1, 31)");
    meta_ = prepare(db_, "UPDATE meta SET value = ?1 WHERE key = 'next_seq'");
    sqlite3_wal_hook(db_, on_wal, nullptr);
  }

  // Enqueues `ids` in one transaction: what Writer::enqueue and commit write.
  void enqueue(const std::vector<std::string>& ids) {
    exec(db_, "BEGIN IMMEDIATE");
    for (const auto& id : ids) {
      const int64_t seq = next_seq_;
      if (o_.layout != "text" && is_duplicate(id)) continue;
      const std::string p = payload(id);
      sqlite3_bind_int64(insert_, 1, seq);
      sqlite3_bind_text(insert_, 2, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
      sqlite3_bind_int64(insert_, 3, 1700000000000);
      sqlite3_bind_blob(insert_, 4, p.data(), static_cast<int>(p.size()), SQLITE_STATIC);
      check(step_reset(insert_), db_, "insert");
      if (sqlite3_changes(db_) == 0) continue;
      ++next_seq_;
      if (o_.layout == "hash") {
        sqlite3_bind_int64(index_, 1, hash_id(id));
        sqlite3_bind_int64(index_, 2, seq);
        check(step_reset(index_), db_, "index");
      } else if (o_.layout == "recent") {
        recent_.emplace(hash_id(id), seq);
      }
      sqlite3_bind_int64(outbox_, 1, seq);
      check(step_reset(outbox_), db_, "outbox");
    }
    sqlite3_bind_int64(meta_, 1, next_seq_);
    check(step_reset(meta_), db_, "meta");
    exec(db_, "COMMIT");
    if (o_.layout == "recent" && static_cast<int64_t>(recent_.size()) >= o_.recent) merge();
  }

  void settle() {}  // merges here run whole, inside enqueue()

  ~Spool() {
    for (auto* s : {insert_, index_, probe_, same_id_, outbox_, meta_}) sqlite3_finalize(s);
    sqlite3_close(db_);
  }

 private:
  bool is_duplicate(const std::string& id) {
    const int64_t h = hash_id(id);
    auto [first, last] = recent_.equal_range(h);
    for (auto it = first; it != last; ++it) {
      sqlite3_bind_int64(same_id_, 1, it->second);
      sqlite3_bind_text(same_id_, 2, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
      if (step_reset(same_id_) == SQLITE_ROW) return true;
    }
    sqlite3_bind_int64(probe_, 1, h);
    sqlite3_bind_text(probe_, 2, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    return step_reset(probe_) == SQLITE_ROW;
  }

  // The recent ids, sorted by hash, into the index in transactions of merge_chunk rows.
  void merge() {
    std::vector<std::pair<int64_t, int64_t>> rows(recent_.begin(), recent_.end());
    std::sort(rows.begin(), rows.end());
    for (size_t i = 0; i < rows.size(); i += static_cast<size_t>(o_.merge_chunk)) {
      exec(db_, "BEGIN IMMEDIATE");
      const size_t end = std::min(rows.size(), i + static_cast<size_t>(o_.merge_chunk));
      for (size_t j = i; j < end; ++j) {
        sqlite3_bind_int64(index_, 1, rows[j].first);
        sqlite3_bind_int64(index_, 2, rows[j].second);
        check(step_reset(index_), db_, "merge");
      }
      exec(db_, "COMMIT");
    }
    recent_.clear();
  }

  const Options& o_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt *insert_ = nullptr, *index_ = nullptr, *probe_ = nullptr, *same_id_ = nullptr;
  sqlite3_stmt *outbox_ = nullptr, *meta_ = nullptr;
  int64_t next_seq_ = 1;
  std::unordered_multimap<int64_t, int64_t> recent_;
};

// The same load through fanout's SqliteSpool (its writer thread, group commit and id index).
class FanoutSpool {
 public:
  FanoutSpool(const Options& o, const std::string& path) {
    fanout::spool::SqliteOptions options;
    options.path = path;
    spool_ = std::make_unique<fanout::spool::SqliteSpool>(options);
    auto started = spool_->start();
    if (!started) {
      std::fprintf(stderr, "%s\n", started.error().message.c_str());
      std::exit(1);
    }
    (void)o;
  }
  void enqueue(const std::vector<std::string>& ids) {
    std::vector<fanout::spool::NewEvent> events;
    for (const auto& id : ids) {
      fanout::spool::NewEvent e;
      e.event_id = id;
      e.received_at_ms = 1700000000000;
      e.payload = payload(id);
      for (const char* d : {"meta", "ga4", "google_ads", "microsoft_ads", "tiktok"})
        e.deliveries.push_back(fanout::spool::Delivery{d, fanout::spool::State::pending, "", 0, 0, 0, ""});
      events.push_back(std::move(e));
    }
    std::promise<void> done;
    spool_->enqueue(std::move(events), [&](fanout::Result<fanout::spool::EnqueueResult> r) {
      if (!r) {
        std::fprintf(stderr, "%s\n", r.error().message.c_str());
        std::exit(1);
      }
      done.set_value();
    });
    done.get_future().get();
  }
  // Empty enqueues (each a group of its own) until a merge of event ids left over from the prefill has
  // surely finished, so the measured phase holds one whole merge per 65,536 events, as in steady state.
  void settle() {
    for (int i = 0; i < 64; ++i) enqueue({});
  }

 private:
  std::unique_ptr<fanout::spool::SqliteSpool> spool_;
};

// Bytes this process handed to write(2) and friends so far (WAL, checkpoints): `wchar`, or read with
// read(2)/pread(2) (pages not in SQLite's cache, from the OS's cache or the disk): `rchar`.
int64_t io_bytes(const char* which) {
  std::ifstream io("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value)
    if (key == which) return value;
  return 0;
}
int64_t written_bytes() {
  return io_bytes("wchar:");
}
int64_t read_bytes() {
  return io_bytes("rchar:");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    std::string k = a.substr(0, eq), v = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (k == "--layout")
      o.layout = v;
    else if (k == "--ids")
      o.ids = v;
    else if (k == "--prefill")
      o.prefill = std::stoll(v);
    else if (k == "--events")
      o.events = std::stoll(v);
    else if (k == "--group")
      o.group = std::stoi(v);
    else if (k == "--page-size")
      o.page_size = std::stoi(v);
    else if (k == "--cache-kb")
      o.cache_kb = std::stoi(v);
    else if (k == "--recent")
      o.recent = std::stoll(v);
    else if (k == "--merge-chunk")
      o.merge_chunk = std::stoll(v);
    else if (k == "--sync")
      o.sync = v;
    else if (k == "--dir")
      o.dir = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      std::exit(2);
    }
  }
  return o;
}

template <typename S>
void run(const Options& o, S& spool);

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::string tmpl = o.dir + "/fanout-ids-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl.data());
  if (o.layout == "fanout") {
    FanoutSpool spool(o, dir + "/spool.db");
    run(o, spool);
  } else {
    Spool spool(o, dir + "/spool.db");
    run(o, spool);
  }
  std::filesystem::remove_all(dir);
  return 0;
}

namespace {

template <typename S>
void run(const Options& o, S& spool) {
  {
    Ids ids(o.ids == "uuid");
    // Prefill in large transactions: only the measured phase below has the enqueue's commit pattern.
    std::vector<std::string> batch;
    for (int64_t n = 0; n < o.prefill; ++n) {
      batch.push_back(ids.next());
      if (batch.size() == 5000 || n + 1 == o.prefill) {
        spool.enqueue(batch);
        batch.clear();
      }
    }
    spool.settle();
    const int64_t frames_now = counters.last_frames;
    counters = Counters{};
    counters.last_frames = frames_now;
    const int64_t bytes0 = written_bytes();
    const int64_t read0 = read_bytes();
    const auto t0 = std::chrono::steady_clock::now();
    CALLGRIND_START_INSTRUMENTATION;
    for (int64_t n = 0; n < o.events;) {
      batch.clear();
      for (int i = 0; i < o.group && n < o.events; ++i, ++n) batch.push_back(ids.next());
      spool.enqueue(batch);
    }
    CALLGRIND_STOP_INSTRUMENTATION;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double per_event = 1.0 / static_cast<double>(o.events);
    // WAL frames are counted by the simulated layouts only (fanout's connection is its own).
    char frames[96] = "";
    if (o.layout != "fanout") {
      std::snprintf(
          frames, sizeof frames, "wal_frames/event=%.3f wal_frames/commit=%.2f ",
          static_cast<double>(counters.wal_frames) * per_event,
          static_cast<double>(counters.wal_frames) / static_cast<double>(std::max<int64_t>(counters.commits, 1)));
    }
    std::printf(
        "layout=%s ids=%s prefill=%lld events=%lld group=%d page=%d cache_kb=%d recent=%lld: %s"
        "written_bytes/event=%.0f read_bytes/event=%.0f wall_us/event=%.1f\n",
        o.layout.c_str(), o.ids.c_str(), static_cast<long long>(o.prefill), static_cast<long long>(o.events), o.group,
        o.page_size, o.cache_kb, static_cast<long long>(o.recent), frames,
        static_cast<double>(written_bytes() - bytes0) * per_event,
        static_cast<double>(read_bytes() - read0) * per_event, seconds * 1e6 * per_event);
  }
}

}  // namespace
