#pragma once
// How many times each event id arrived, for up to millions of ids. The load benchmark records every
// event five times (once per platform), so this is on the sandbox's hot path: ids are copied once into
// an append-only arena and found through an open-addressing table of 8-byte slots, so counting a new id
// costs one probe into a flat array and no allocation of its own (a node-based map cost a node, often a
// string and several cache misses per id). Not thread-safe: the Recorder locks around it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::sandbox {

class IdCounts {
 public:
  enum class Added { first, again, dropped };

  // Counts one arrival of `id`: `first` when it is new, `again` when it was seen before, `dropped` when it
  // is new but `max_ids` distinct ids are already stored (then nothing is stored).
  Added add(std::string_view id, size_t max_ids);
  // How many times `id` was added (0 = never).
  uint64_t count(std::string_view id) const;
  // Distinct ids stored.
  size_t size() const { return entries_.size(); }
  // Calls fn(id, count) for every id, in the order they first arrived.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const Entry& e : entries_) fn(std::string_view(arena_).substr(e.offset, e.length), e.count);
  }
  // Forgets every id and frees the memory.
  void clear();

 private:
  struct Entry {
    uint64_t offset;  // of the id's bytes in arena_
    uint32_t length;
    uint64_t count;
  };
  // An empty slot has entry == 0; otherwise entries_[entry - 1], whose hash has `tag` as its high half.
  struct Slot {
    uint32_t entry = 0;
    uint32_t tag = 0;
  };
  static constexpr size_t kInitialSlots = 1024;  // a power of two

  static uint64_t hash(std::string_view id);
  // The slot holding `id`, or the empty slot where it would go.
  size_t find(std::string_view id, uint64_t h) const;
  std::string_view key(const Entry& e) const { return std::string_view(arena_).substr(e.offset, e.length); }
  // Doubles the table (kept at most half full, so probe sequences stay short).
  void grow();

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::string arena_;  // every stored id, back to back
};

}  // namespace fanout::sandbox
