#include "sandbox/scheduler.h"

#include <vector>

namespace fanout::sandbox {

Scheduler::Scheduler() : thread_([this] { run(); }) {}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && pending_.size() < kMaxPending) {
      pending_.emplace(std::chrono::steady_clock::now() + delay, std::move(fn));
      wake_.notify_one();
      return;
    }
  }
  fn();  // stopping or full: answer now rather than never
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (stopping_) break;
    if (pending_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const auto due = pending_.begin()->first;
    if (std::chrono::steady_clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    auto fn = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    lock.unlock();
    fn();
    lock.lock();
  }
  // Flush what is left so no request waits for a scheduler that is gone.
  std::vector<std::function<void()>> rest;
  for (auto& [due, fn] : pending_) rest.push_back(std::move(fn));
  pending_.clear();
  lock.unlock();
  for (auto& fn : rest) fn();
}

}  // namespace fanout::sandbox
