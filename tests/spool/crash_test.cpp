// Crash safety: a child process enqueues as fast as it can and reports each acknowledged event_id on a
// pipe; the parent kills it with SIGKILL mid-write, reopens the spool and checks that every acknowledged
// event is there, whole, with its deliveries pending, and that the database is intact.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <semaphore>
#include <set>
#include <string>

#include "spool/spool.h"
#include "spool_test_util.h"

namespace fanout::spool {
namespace {

using testing::make_event;
using testing::TempDir;

constexpr int64_t kT0 = 1700000000000;

// Runs in the child: never returns.
[[noreturn]] void produce_until_killed(const std::string& path, const std::string& prefix, int ack_fd) {
  SqliteOptions options;
  options.path = path;
  auto spool = open_sqlite(options);
  if (!spool) _exit(2);
  // A few hundred enqueues in flight, so commits are real groups and one is always under way.
  static std::counting_semaphore<512> in_flight(512);
  for (int i = 0;; ++i) {
    in_flight.acquire();
    std::string id = prefix + std::to_string(i);
    (*spool)->enqueue({make_event(id, kT0 + i)}, [ack_fd, id](Result<EnqueueResult> r) {
      if (r && !r->duplicate[0]) {
        std::string line = id + "\n";  // shorter than PIPE_BUF: one atomic write
        if (::write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(3);
      }
      in_flight.release();
    });
  }
}

// Reads acknowledged ids until `want` are seen (then kills the child) and drains what was written before.
std::vector<std::string> collect_then_kill(int fd, pid_t child, size_t want) {
  std::vector<std::string> ids;
  std::string buffer;
  bool killed = false;
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) break;  // EOF: the child is gone
    buffer.append(chunk, static_cast<size_t>(n));
    size_t start = 0, end;
    while ((end = buffer.find('\n', start)) != std::string::npos) {
      ids.push_back(buffer.substr(start, end - start));
      start = end + 1;
    }
    buffer.erase(0, start);
    if (!killed && ids.size() >= want) {
      ::kill(child, SIGKILL);
      killed = true;
    }
  }
  if (!killed) ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited on its own: " << status;
  return ids;
}

std::string integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr), SQLITE_OK);
  std::string result;
  while (sqlite3_step(stmt) == SQLITE_ROW) result += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

TEST(SqliteSpoolCrash, AcknowledgedEventsSurviveKill9) {
  TempDir dir;
  const std::string path = dir.path() + "/spool.db";
  std::vector<std::string> acked;
  // Several rounds on the same file: each restart also recovers the WAL left by the previous kill.
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      produce_until_killed(path, "r" + std::to_string(round) + "-", fds[1]);
    }
    ::close(fds[1]);
    auto ids = collect_then_kill(fds[0], child, 1500);
    ::close(fds[0]);
    ASSERT_GE(ids.size(), 1500u) << "round " << round;
    acked.insert(acked.end(), ids.begin(), ids.end());
  }

  EXPECT_EQ(integrity_check(path), "ok");
  SqliteOptions options;
  options.path = path;
  auto spool = open_sqlite(options);
  ASSERT_TRUE(spool) << spool.error().message;
  std::set<std::string> unique(acked.begin(), acked.end());
  EXPECT_EQ(unique.size(), acked.size());
  for (const std::string& id : acked) {
    auto status = (*spool)->lookup(id);
    ASSERT_TRUE(status) << status.error().message;
    ASSERT_TRUE(status->has_value()) << "acknowledged event lost: " << id;
    ASSERT_EQ((*status)->deliveries.size(), 5u) << id;
    for (const auto& d : (*status)->deliveries) EXPECT_EQ(d.state, State::pending) << id;
  }
  // Every pending delivery resumes, and every stored event is whole (all five deliveries or none).
  size_t pending = 0;
  for (int64_t after = 0;;) {
    auto page = (*spool)->load_pending("meta", after, 1000);
    ASSERT_TRUE(page);
    if (page->empty()) break;
    for (const auto& p : *page) {
      auto payload = p.payload;
      EXPECT_NE(payload.find("\"event_name\":\"purchase\""), std::string::npos);
    }
    pending += page->size();
    after = page->back().seq;
  }
  EXPECT_GE(pending, acked.size());
  for (const char* dest : {"ga4", "google_ads", "microsoft_ads", "tiktok"}) {
    auto page = (*spool)->load_pending(dest, 0, 1000000);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->size(), pending) << dest;
  }
}

}  // namespace
}  // namespace fanout::spool
