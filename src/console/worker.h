#pragma once
// The console's one background thread: every spool read and write the console makes runs here, so
// neither the HTTP threads (intake) nor delivery ever wait for the console's queries. Tasks run in
// the order of their due time; the queue is bounded.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace fanout::console {

class Worker {
 public:
  using Task = std::function<void(bool stopping)>;  // stopping = true: the worker is shutting down, answer fast
  using Clock = std::chrono::steady_clock;

  // Tasks waiting at once beyond this are refused (post() returns false): a flood of console requests
  // waits in no unbounded queue.
  static constexpr size_t kMaxQueued = 256;

  Worker();
  ~Worker();  // stop()s

  // Runs `task` on the worker thread at `due` (now when in the past). False when full or stopped.
  bool post(Task task, Clock::time_point due = Clock::time_point());
  // Runs every queued task once with stopping = true, then joins the thread. Idempotent.
  void stop();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, Task> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fanout::console
