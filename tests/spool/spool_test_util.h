#pragma once
// Shared helpers for the spool tests: a private temp directory and synchronous wrappers.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "spool/spool.h"

namespace fanout::spool::testing {

// A fresh directory under $TMPDIR, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fanout-spool-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline NewEvent make_event(const std::string& id, int64_t received_at_ms,
                           const std::vector<std::string>& destinations = {"meta", "ga4", "google_ads", "microsoft_ads",
                                                                           "tiktok"}) {
  NewEvent e;
  e.event_id = id;
  e.received_at_ms = received_at_ms;
  e.payload = R"({"event_id":")" + id + R"(","event_name":"purchase"})";
  for (const auto& d : destinations) e.deliveries.push_back(Delivery{d, State::pending, "", 0, 0, 0, ""});
  return e;
}

// Enqueues and waits for the commit (or its error).
inline Result<EnqueueResult> enqueue_sync(Spool& spool, std::vector<NewEvent> events) {
  std::promise<Result<EnqueueResult>> promise;
  auto future = promise.get_future();
  spool.enqueue(std::move(events), [&promise](Result<EnqueueResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

// update() is asynchronous; an empty enqueue queued behind it returns once it is committed.
inline void flush(Spool& spool) {
  ASSERT_TRUE(enqueue_sync(spool, {}));
}

}  // namespace fanout::spool::testing
