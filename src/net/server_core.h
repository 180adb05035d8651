#pragma once
// State shared by the server and its connections (internal to net/). Connections keep the core alive with a
// shared_ptr so the io_contexts always outlive every socket, even when a Respond callback outlives the server.
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "net/asio.h"
#include "net/http_server.h"
#include "net/memory_release.h"

namespace fanout::net {

class Connection;

struct ServerCore {
  // `opts.threads` must be at least 1.
  explicit ServerCore(ServerOptions opts, Handler h) : options(std::move(opts)), handler(std::move(h)) {
    for (size_t i = 0; i < options.threads; ++i) ios.push_back(std::make_unique<asio::io_context>(1));
  }

  // After a burst whose bodies in flight peaked at this, free memory is handed back once they drain to zero,
  // at most once per kReleaseInterval: often enough to undo a flood, rarely enough to cost nothing.
  static constexpr size_t kReleaseAfterPeak = 16 * 1048576;
  static constexpr std::chrono::seconds kReleaseInterval{5};

  const ServerOptions options;  // max_connections already lowered to fit the open-files limit
  const Handler handler;
  // One per thread (concurrency hint 1: run by that thread only). The acceptor lives on the first; connections
  // are dealt out in turn. Declared before everything that holds handlers or sockets bound to them.
  std::vector<std::unique_ptr<asio::io_context>> ios;

  std::atomic<bool> stopping{false};  // set once by stop(): new responses say Connection: close

  // Respond callbacks post to an io_context only while this is open (shared lock); stop() closes it (unique lock)
  // before draining the io_contexts, so nothing lands in a queue nobody runs.
  std::shared_mutex gate_mutex;
  bool gate_open = true;

  // Live connections, for stop(). A connection removes itself when both its coroutines have ended.
  std::mutex live_mutex;
  std::condition_variable live_changed;  // notified on every removal
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> live;
  std::atomic<size_t> live_count{0};  // live.size(), readable without the lock
  // Connections asked to close for room (Connection::shed) and still registered. Their slots are as good as
  // free: with several threads a shed connection closes on its own thread, after the acceptor's next turn.
  std::atomic<size_t> shedding{0};

  // Registers a new connection; false (the caller closes it) when stopping or at the limit. `headroom`
  // admits that many beyond max_connections while idle connections closed for room are still closing.
  bool add(const std::shared_ptr<Connection>& connection, size_t headroom = 0) {
    std::lock_guard lock(live_mutex);
    if (stopping.load() || live.size() >= options.max_connections + headroom) return false;
    live.emplace(connection.get(), connection);
    live_count = live.size();
    return true;
  }

  void remove(const Connection* connection) {
    {
      std::lock_guard lock(live_mutex);
      live.erase(connection);
      live_count = live.size();
    }
    live_changed.notify_all();
  }

  // Body budget: true when `bytes` more fit under max_body_bytes_in_flight (a lone body always fits).
  bool reserve_body(size_t bytes) {
    const size_t now = body_bytes.fetch_add(bytes) + bytes;
    if (now > options.max_body_bytes_in_flight && now != bytes) {
      body_bytes.fetch_sub(bytes);
      notice(ServerNotice::Kind::body_budget_full, 1);
      return false;
    }
    size_t peak = body_peak.load();
    while (now > peak && !body_peak.compare_exchange_weak(peak, now)) {
    }
    return true;
  }

  void release_body(size_t bytes) {
    if (bytes == 0 || body_bytes.fetch_sub(bytes) != bytes) return;
    // Drained to zero: after a large burst, give the memory back (rate-limited, first caller wins).
    if (body_peak.load() < kReleaseAfterPeak) return;
    const int64_t now = now_ms();
    int64_t next = next_release_ms.load();
    if (now < next || !next_release_ms.compare_exchange_strong(next, now + kReleaseInterval.count() * 1000)) return;
    const size_t peak = body_peak.exchange(0);
    release_free_memory();
    notice(ServerNotice::Kind::memory_released, 1, "bodies in flight peaked at " + std::to_string(peak) + " bytes");
  }

  // Reports a protective action to options.on_notice, at most once per kind per second; occurrences in
  // between are added to the next report's count.
  // Every occurrence goes to options.on_count first, unthrottled.
  void notice(ServerNotice::Kind kind, uint64_t count, std::string detail = {}) {
    if (count == 0) return;
    if (options.on_count) options.on_count(kind, count, detail);
    if (!options.on_notice) return;
    NoticeGate& gate = notice_gates[static_cast<size_t>(kind)];
    gate.pending += count;
    const int64_t now = now_ms();
    int64_t next = gate.next_ms.load();
    if (now < next || !gate.next_ms.compare_exchange_strong(next, now + 1000)) return;
    ServerNotice n;
    n.kind = kind;
    n.count = gate.pending.exchange(0);
    n.live_connections = live_count.load();
    n.detail = std::move(detail);
    options.on_notice(n);
  }

 private:
  static int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  struct NoticeGate {
    std::atomic<int64_t> next_ms{0};     // steady ms before which reports are held back
    std::atomic<uint64_t> pending{0};  // occurrences not reported yet
  };
  std::array<NoticeGate, ServerNotice::kKinds> notice_gates;
  std::atomic<size_t> body_bytes{0};  // reserved by bodies being read or handled
  std::atomic<size_t> body_peak{0};   // highest body_bytes since the last release
  std::atomic<int64_t> next_release_ms{0};
};

}  // namespace fanout::net
