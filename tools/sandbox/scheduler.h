#pragma once
// Runs callbacks after a delay on one background thread (the sandbox's delay_ms fault answers late
// without holding an io thread). Bounded: beyond kMaxPending the callback runs at once.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace fanout::sandbox {

class Scheduler {
 public:
  static constexpr size_t kMaxPending = 100000;

  Scheduler();
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `fn` on the scheduler thread once `delay` has passed.
  void after(std::chrono::milliseconds delay, std::function<void()> fn);
  // Runs everything still pending now, then joins the thread. Idempotent.
  void stop();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> pending_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace fanout::sandbox
