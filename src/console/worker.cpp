#include "console/worker.h"

#include <pthread.h>

#include <utility>
#include <vector>

namespace fanout::console {

Worker::Worker() : thread_([this] { run(); }) {}

Worker::~Worker() { stop(); }

bool Worker::post(Task task, Clock::time_point due) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || tasks_.size() >= kMaxQueued) return false;
    tasks_.emplace(due, std::move(task));
  }
  cv_.notify_one();
  return true;
}

void Worker::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Worker::run() {
  pthread_setname_np(pthread_self(), "console");  // per-thread CPU in top -H and the load benchmark
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) break;
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = tasks_.begin();
    if (first->first > Clock::now()) {
      cv_.wait_until(lock, first->first);
      continue;
    }
    Task task = std::move(first->second);
    tasks_.erase(first);
    lock.unlock();
    task(false);
    lock.lock();
  }
  // Whatever is still queued is answered (streams end, requests get 503) rather than dropped silently.
  std::multimap<Clock::time_point, Task> left;
  left.swap(tasks_);
  lock.unlock();
  for (auto& [due, task] : left) task(true);
}

}  // namespace fanout::console
