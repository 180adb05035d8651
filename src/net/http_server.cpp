#include "net/http_server.h"

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
      Socket socket(core_->ios[next % core_->ios.size()]->get_executor());
      co_await acceptor_.async_accept(socket, redirect_error(use_awaitable, ec));
      if (!acceptor_.is_open() || core_->stopping.load()) break;
      if (ec) {
        // Out of descriptors and the like: pause instead of spinning on the error.
        backoff.expires_after(std::chrono::milliseconds(10));
        co_await backoff.async_wait(redirect_error(use_awaitable, ec));
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto connection = std::make_shared<Connection>(core_, std::move(socket));
      if (core_->add(connection)) connection->start();  // else: dropped, which closes the socket
    }
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

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ServerOptions& options, Handler handler) {
  auto address = parse_listen_address(options.listen);
  if (!address) return fail("bind_failed", address.error().message);
  ServerOptions normalized = options;
  if (normalized.threads == 0) normalized.threads = 1;
  if (normalized.max_pipelined == 0) normalized.max_pipelined = 1;
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
