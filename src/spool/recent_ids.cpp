#include "spool/recent_ids.h"

#include <algorithm>
#include <atomic>

namespace fanout::spool {
namespace {

std::atomic<uint64_t> hash_mask{~uint64_t{0}};

}  // namespace

int64_t id_hash(std::string_view event_id) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : event_id) h = (h ^ c) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return static_cast<int64_t>(h & hash_mask.load(std::memory_order_relaxed));
}

void set_id_hash_mask_for_tests(uint64_t mask) {
  hash_mask = mask;
}

void RecentIds::add(int64_t hash, int64_t seq) {
  std::lock_guard lock(mu_);
  seqs_.emplace(hash, seq);
}

void RecentIds::remove(int64_t hash, int64_t seq) {
  std::lock_guard lock(mu_);
  auto [first, last] = seqs_.equal_range(hash);
  for (auto it = first; it != last; ++it) {
    if (it->second == seq) {
      seqs_.erase(it);
      return;
    }
  }
}

std::vector<int64_t> RecentIds::seqs(int64_t hash) const {
  std::vector<int64_t> out;
  {
    std::lock_guard lock(mu_);
    auto [first, last] = seqs_.equal_range(hash);
    for (auto it = first; it != last; ++it) out.push_back(it->second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

size_t RecentIds::size() const {
  std::lock_guard lock(mu_);
  return seqs_.size();
}

std::vector<std::pair<int64_t, int64_t>> RecentIds::sorted_upto(int64_t upto) const {
  std::vector<std::pair<int64_t, int64_t>> out;
  {
    std::lock_guard lock(mu_);
    out.reserve(seqs_.size());
    for (const auto& [hash, seq] : seqs_)
      if (seq <= upto) out.emplace_back(hash, seq);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void RecentIds::drop_upto(int64_t upto) {
  std::lock_guard lock(mu_);
  for (auto it = seqs_.begin(); it != seqs_.end();) it = it->second <= upto ? seqs_.erase(it) : std::next(it);
}

void RecentIds::clear() {
  std::lock_guard lock(mu_);
  seqs_.clear();
}

}  // namespace fanout::spool
