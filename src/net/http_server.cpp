#include "net/http_server.h"

#include <pthread.h>
#include <sys/resource.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "net/asio.h"
#include "net/connection.h"
#include "net/listen_address.h"
#include "net/server_core.h"

namespace fanout::net {
namespace {

using asio::redirect_error;

// After `grace`, connections are aborted; this bounds how long their coroutines get to unwind.
constexpr std::chrono::milliseconds kAbortWait{2000};
// Idle connections closed per shedding round: enough to admit a burst of newcomers, few enough that
// a round costs one scan of the live connections per kShedBatch admissions. Small limits shed fewer
// (one per 64 connections allowed, at least one).
constexpr size_t kShedBatch = 16;
constexpr size_t kConnectionsPerShed = 64;
// How long the acceptor waits for shed connections to close once kShedBatch newcomers are in beyond the limit:
// a closing connection needs a few turns of its own thread.
constexpr std::chrono::milliseconds kShedWait{1};
// File descriptors kept free for everything that is not a client connection (spool, outbound HTTPS,
// logs): a quarter of the open-files limit, at most this many.
constexpr size_t kMaxFdReserve = 256;

// options.max_connections, lowered so connections cannot take the descriptors the rest of the process
// needs: beyond that accept() fails with EMFILE and every client is turned away.
size_t fitted_max_connections(size_t configured) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return configured;
  const size_t files = static_cast<size_t>(limit.rlim_cur);
  const size_t usable = files - std::min(kMaxFdReserve, files / 4);
  return std::max<size_t>(1, std::min(configured, usable));
}

bool out_of_descriptors(const beast::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system;
}

class ServerImpl final : public HttpServer {
 public:
  explicit ServerImpl(std::shared_ptr<ServerCore> core)
      : core_(std::move(core)), acceptor_(core_->ios.front()->get_executor()) {
    for (auto& io : core_->ios) work_.push_back(asio::make_work_guard(*io));
  }
  ~ServerImpl() override { stop(std::chrono::milliseconds(0)); }

  Status listen(const std::string& text, const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("bind_failed", "cannot listen on " + text + ": " + ec.message());
    const auto local = acceptor_.local_endpoint(ec);
    port_ = local.port();
    host_ = local.address().to_string();
    return {};
  }

  void run() {
    asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
    for (auto& io : core_->ios) {
      threads_.emplace_back([core = core_, io = io.get()] {
        pthread_setname_np(pthread_self(), "http");  // per-thread CPU in top -H and the load benchmark
        for (;;) {
          try {
            io->run();
            return;
          } catch (...) {
            // A throwing completion handler is a bug elsewhere; keep serving the other connections.
          }
        }
      });
    }
  }

  uint16_t port() const override { return port_; }
  std::string host() const override { return host_; }
  size_t max_connections() const override { return core_->options.max_connections; }

  void stop(std::chrono::milliseconds grace) override {
    std::lock_guard once(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    const auto deadline = std::chrono::steady_clock::now() + grace;

    {
      std::lock_guard lock(core_->live_mutex);
      core_->stopping = true;  // under the lock: no connection registers after this snapshot
    }
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    for (auto& connection : snapshot()) connection->shutdown();
    wait_until_drained(deadline);

    for (auto& connection : snapshot()) connection->abort();
    const bool drained = wait_until_drained(std::chrono::steady_clock::now() + kAbortWait);
    {
      std::unique_lock lock(core_->gate_mutex);
      core_->gate_open = false;
    }
    work_.clear();
    if (!drained) {
      for (auto& io : core_->ios) io->stop();
    }
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    // Runs what was queued while the threads wound down (cancelled operations, late completions), so no
    // handler keeps a connection alive in a queue nobody runs.
    for (auto& io : core_->ios) {
      io->restart();
      io->poll();
    }
  }

 private:
  Awaitable<> accept_loop() {
    beast::error_code ec;
    Timer backoff(acceptor_.get_executor());
    for (size_t next = 0;; ++next) {
      // kShedBatch newcomers are already in beyond max_connections while idle connections close for them: the
      // next one waits in the listen backlog until some have closed (on their own threads), rather than be
      // accepted only to be refused.
      while (core_->shedding.load() > 0 &&
             core_->live_count.load() >= core_->options.max_connections + kShedBatch && !core_->stopping.load()) {
        backoff.expires_after(kShedWait);
        co_await backoff.async_wait(redirect_error(use_awaitable, ec));
      }
      Socket socket(core_->ios[next % core_->ios.size()]->get_executor());
      co_await acceptor_.async_accept(socket, redirect_error(use_awaitable, ec));
      if (!acceptor_.is_open() || core_->stopping.load()) break;
      if (ec) {
        // Out of descriptors: idle connections make room (the client waiting in the backlog is accepted
        // on the next turn). Either way pause instead of spinning on the error.
        core_->notice(ServerNotice::Kind::accept_failed, 1, ec.message());
        if (out_of_descriptors(ec)) shed_idle("out_of_file_descriptors");
        backoff.expires_after(std::chrono::milliseconds(10));
        co_await backoff.async_wait(redirect_error(use_awaitable, ec));
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto connection = std::make_shared<Connection>(core_, std::move(socket));
      // At the limit, idle keep-alive connections make room: the newcomer is admitted while they close, one
      // newcomer per connection being shed (those asked earlier count too: on another thread they may not
      // have closed yet), at most kShedBatch beyond max_connections.
      if (core_->live_count.load() >= core_->options.max_connections + core_->shedding.load())
        shed_idle("max_connections");
      if (core_->add(connection, std::min(core_->shedding.load(), kShedBatch))) {
        connection->start();
      } else if (!core_->stopping.load()) {
        core_->notice(ServerNotice::Kind::connection_refused, 1, "max_connections");  // dropped: the socket closes
      }
    }
  }

  // Closes up to kShedBatch of the longest-idle connections; returns how many were asked to close.
  size_t shed_idle(const char* reason) {
    std::vector<std::pair<int64_t, std::shared_ptr<Connection>>> idle;
    {
      std::lock_guard lock(core_->live_mutex);
      for (auto& [key, weak] : core_->live) {
        auto connection = weak.lock();
        if (!connection) continue;
        const int64_t since = connection->idle_since_ms();
        if (since != 0 && !connection->shed_requested()) idle.emplace_back(since, std::move(connection));
      }
    }
    const size_t batch = std::clamp<size_t>(core_->options.max_connections / kConnectionsPerShed, 1, kShedBatch);
    const size_t n = std::min(batch, idle.size());
    std::partial_sort(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(n), idle.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < n; ++i) idle[i].second->shed();
    core_->notice(ServerNotice::Kind::shed_idle, n, reason);
    return n;
  }

  std::vector<std::shared_ptr<Connection>> snapshot() {
    std::vector<std::shared_ptr<Connection>> out;
    std::lock_guard lock(core_->live_mutex);
    out.reserve(core_->live.size());
    for (auto& [key, weak] : core_->live) {
      if (auto connection = weak.lock()) out.push_back(std::move(connection));
    }
    return out;
  }

  bool wait_until_drained(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(core_->live_mutex);
    return core_->live_changed.wait_until(lock, deadline, [&] { return core_->live.empty(); });
  }

  std::shared_ptr<ServerCore> core_;  // first member: the io_context outlives the acceptor
  Acceptor acceptor_;
  std::vector<asio::executor_work_guard<Executor>> work_;  // one per io_context, until stop()
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
  uint16_t port_ = 0;
  std::string host_;
};

Result<asio::ip::address> resolve_host(const std::string& host, asio::io_context& io) {
  if (host == "localhost") return asio::ip::make_address("127.0.0.1");
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) return address;
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) return fail("bind_failed", "cannot resolve listen host '" + host + "'");
  return results.begin()->endpoint().address();
}

}  // namespace

const char* notice_name(ServerNotice::Kind kind) {
  switch (kind) {
    case ServerNotice::Kind::shed_idle:
      return "shed_idle_connections";
    case ServerNotice::Kind::body_budget_full:
      return "body_budget_full";
    case ServerNotice::Kind::accept_failed:
      return "accept_failed";
    case ServerNotice::Kind::memory_released:
      return "memory_released";
    case ServerNotice::Kind::connection_refused:
      return "connection_refused";
    case ServerNotice::Kind::bad_framing:
      return "bad_framing";
    case ServerNotice::Kind::body_too_large:
      return "body_too_large";
    case ServerNotice::Kind::headers_too_large:
      return "headers_too_large";
    case ServerNotice::Kind::malformed_request:
      return "malformed_request";
  }
  return "unknown";
}

const char* refusal_reason(ServerNotice::Kind kind) {
  switch (kind) {
    case ServerNotice::Kind::body_budget_full:
      return "body_budget";
    case ServerNotice::Kind::bad_framing:
      return "framing";
    case ServerNotice::Kind::body_too_large:
      return "body_too_large";
    case ServerNotice::Kind::headers_too_large:
      return "headers_too_large";
    case ServerNotice::Kind::malformed_request:
      return "malformed";
    default:
      return nullptr;
  }
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ServerOptions& options, Handler handler) {
  auto address = parse_listen_address(options.listen);
  if (!address) return fail("bind_failed", address.error().message);
  ServerOptions normalized = options;
  if (normalized.threads == 0) normalized.threads = 1;
  if (normalized.max_pipelined == 0) normalized.max_pipelined = 1;
  normalized.max_connections = fitted_max_connections(normalized.max_connections);
  auto core = std::make_shared<ServerCore>(std::move(normalized), std::move(handler));
  auto ip = resolve_host(address->host, *core->ios.front());
  if (!ip) return tl::unexpected(ip.error());

  auto server = std::make_unique<ServerImpl>(core);
  if (auto status = server->listen(options.listen, tcp::endpoint(*ip, address->port)); !status) {
    return tl::unexpected(status.error());
  }
  server->run();
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace fanout::net
