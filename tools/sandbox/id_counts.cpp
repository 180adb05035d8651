#include "sandbox/id_counts.h"

#include <functional>

namespace fanout::sandbox {

uint64_t IdCounts::hash(std::string_view id) {
  return std::hash<std::string_view>{}(id);
}

size_t IdCounts::find(std::string_view id, uint64_t h) const {
  const size_t mask = slots_.size() - 1;
  const auto tag = static_cast<uint32_t>(h >> 32);
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.entry == 0 || (s.tag == tag && key(entries_[s.entry - 1]) == id)) return i;
  }
}

IdCounts::Added IdCounts::add(std::string_view id, size_t max_ids) {
  if (slots_.empty()) slots_.resize(kInitialSlots);
  const uint64_t h = hash(id);
  size_t i = find(id, h);
  if (slots_[i].entry != 0) {
    ++entries_[slots_[i].entry - 1].count;
    return Added::again;
  }
  if (entries_.size() >= max_ids) return Added::dropped;
  if ((entries_.size() + 1) * 2 > slots_.size()) {
    grow();
    i = find(id, h);
  }
  entries_.push_back({arena_.size(), static_cast<uint32_t>(id.size()), 1});
  arena_.append(id);
  slots_[i] = {static_cast<uint32_t>(entries_.size()), static_cast<uint32_t>(h >> 32)};
  return Added::first;
}

uint64_t IdCounts::count(std::string_view id) const {
  if (slots_.empty()) return 0;
  const Slot& s = slots_[find(id, hash(id))];
  return s.entry == 0 ? 0 : entries_[s.entry - 1].count;
}

void IdCounts::grow() {
  std::vector<Slot> bigger(slots_.size() * 2);
  const size_t mask = bigger.size() - 1;
  for (uint32_t n = 0; n < entries_.size(); ++n) {
    const uint64_t h = hash(key(entries_[n]));
    size_t i = h & mask;
    while (bigger[i].entry != 0) i = (i + 1) & mask;
    bigger[i] = {n + 1, static_cast<uint32_t>(h >> 32)};
  }
  slots_ = std::move(bigger);
}

void IdCounts::clear() {
  slots_ = {};
  entries_ = {};
  arena_ = {};
}

}  // namespace fanout::sandbox
