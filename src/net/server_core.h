#pragma once
// State shared by the server and its connections (internal to net/). Connections keep the core alive with a
// shared_ptr so the io_context always outlives every socket, even when a Respond callback outlives the server.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "net/asio.h"
#include "net/http_server.h"

namespace fanout::net {

class Connection;

struct ServerCore {
  explicit ServerCore(ServerOptions opts, Handler h) : options(std::move(opts)), handler(std::move(h)) {}

  const ServerOptions options;
  const Handler handler;
  asio::io_context io;  // declared before everything that holds handlers or sockets bound to it

  std::atomic<bool> stopping{false};  // set once by stop(): new responses say Connection: close

  // Respond callbacks post to `io` only while this is open (shared lock); stop() closes it (unique lock)
  // before draining the io_context, so nothing lands in a queue nobody runs.
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
