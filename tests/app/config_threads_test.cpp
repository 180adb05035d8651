// server.threads when the config does not set it: two HTTP I/O threads once the process may run on two
// cores or more, one when it is held to a single core (taskset, systemd's CPUAffinity=); a set value wins.
#include <sched.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "app/config.h"

namespace fanout::app {
namespace {

// server.threads of a config whose [server] table holds `server_keys`.
size_t threads_of(const std::string& server_keys) {
  setenv("CT_SECRET", "0123456789abcdef0123456789abcdef", 1);
  setenv("CT_META", "meta-token", 1);
  auto c = load_config_text("[server]\n" + server_keys + R"(
[ingest]
secret_env = "CT_SECRET"
[destinations.meta]
pixel_id = "1234567890123456"
access_token_env = "CT_META"
)",
                            "threads.toml");
  EXPECT_TRUE(c) << c.error().message;
  return c ? c->server.threads : 0;
}

// Holds the calling thread to the first `n` cores it may run on, and gives the old set back at the end.
class Affinity {
 public:
  explicit Affinity(int n) {
    sched_getaffinity(0, sizeof old_, &old_);
    cpu_set_t fewer;
    CPU_ZERO(&fewer);
    for (int cpu = 0, kept = 0; cpu < CPU_SETSIZE && kept < n; ++cpu) {
      if (CPU_ISSET(cpu, &old_)) {
        CPU_SET(cpu, &fewer);
        ++kept;
      }
    }
    ok_ = sched_setaffinity(0, sizeof fewer, &fewer) == 0;
  }
  ~Affinity() { sched_setaffinity(0, sizeof old_, &old_); }
  bool ok() const { return ok_; }

 private:
  cpu_set_t old_;
  bool ok_ = false;
};

int cores_allowed() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  sched_getaffinity(0, sizeof cpus, &cpus);
  return CPU_COUNT(&cpus);
}

TEST(ConfigThreads, OneCoreGivesOneThread) {
  Affinity one(1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(threads_of(""), 1u);
}

TEST(ConfigThreads, TwoCoresOrMoreGiveTwoThreads) {
  if (cores_allowed() < 2) GTEST_SKIP() << "this process may run on one core only";
  EXPECT_EQ(threads_of(""), 2u);
  Affinity two(2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(threads_of(""), 2u);
}

TEST(ConfigThreads, ASetValueWinsOverTheCores) {
  Affinity one(1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(threads_of("threads = 3"), 3u);
}

}  // namespace
}  // namespace fanout::app
