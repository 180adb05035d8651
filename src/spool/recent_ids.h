#pragma once
// The event-id index of the SQLite spool, in two levels. Every event id is found by a 64-bit hash of it:
// the newest events' hashes are held here, in memory (rebuilt from the events table at open, so nothing
// here needs writing), and older ones are in the event_ids table, where the writer merges them in hash
// order, a few thousand at a time (docs/design.md, "Event ids"). A random id then costs no page write of
// its own when it is accepted; the merge rewrites each index page about once per batch instead of once per
// event. Both levels may name an event that is gone or not this id (a hash is not the id): whoever finds
// a seq here compares the id stored in its events row.
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fanout::spool {

// The hash an event id is indexed by (stable: it is stored on disk). FNV-1a over the bytes, then
// MurmurHash3's finalizer so that ids differing in their last characters spread over the whole range.
int64_t id_hash(std::string_view event_id);

// Tests only: hashes are AND-ed with this mask (0 makes every id collide). Set before opening a spool.
void set_id_hash_mask_for_tests(uint64_t mask);

// (hash, seq) of the events above the merged mark. Thread-safe: the writer adds and removes, readers
// (status lookups on HTTP threads) look up.
class RecentIds {
 public:
  void add(int64_t hash, int64_t seq);
  void remove(int64_t hash, int64_t seq);
  // The seqs of events whose id has `hash`, newest last.
  std::vector<int64_t> seqs(int64_t hash) const;
  size_t size() const;
  // Every (hash, seq) with seq <= upto, sorted: what a merge writes into event_ids.
  std::vector<std::pair<int64_t, int64_t>> sorted_upto(int64_t upto) const;
  // Forgets every seq <= upto (once they are merged).
  void drop_upto(int64_t upto);
  void clear();

 private:
  mutable std::mutex mu_;
  std::unordered_multimap<int64_t, int64_t> seqs_;  // hash -> seq
};

}  // namespace fanout::spool
