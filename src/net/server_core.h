#pragma once
// State shared by the server and its connections (internal to net/). Connections keep the core alive with a
// shared_ptr so the io_contexts always outlive every socket, even when a Respond callback outlives the server.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "net/asio.h"
#include "net/http_server.h"

namespace fanout::net {

class Connection;

struct ServerCore {
  // `opts.threads` must be at least 1.
  explicit ServerCore(ServerOptions opts, Handler h) : options(std::move(opts)), handler(std::move(h)) {
    for (size_t i = 0; i < options.threads; ++i) ios.push_back(std::make_unique<asio::io_context>(1));
  }

  const ServerOptions options;
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

  // Registers a new connection; false (the caller closes it) when stopping or at max_connections.
  bool add(const std::shared_ptr<Connection>& connection) {
    std::lock_guard lock(live_mutex);
    if (stopping.load() || live.size() >= options.max_connections) return false;
    live.emplace(connection.get(), connection);
    return true;
  }

  void remove(const Connection* connection) {
    {
      std::lock_guard lock(live_mutex);
      live.erase(connection);
    }
    live_changed.notify_all();
  }
};

}  // namespace fanout::net
