#include "app/gateway.h"

#include "core/clock.h"
#include "telemetry/log.h"

namespace fanout::app {
namespace {

// The most of shutdown_timeout_ms kept back from delivery for the steps after it (a fifth when smaller).
constexpr int64_t kShutdownMarginMs = 1000;

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::start(Config config) {
  std::unique_ptr<Gateway> g(new Gateway());
  g->config_ = std::move(config);
  g->config_.spool.on_fault = [](const spool::SpoolFault& f) {
    const char* names[] = {"spool_write_failed", "spool_write_recovered", "spool_outcomes_dropped"};
    const bool recovered = f.kind == spool::SpoolFault::Kind::write_recovered;
    log::Line(names[static_cast<int>(f.kind)], recovered ? log::Level::warn : log::Level::error)
        .str("detail", f.detail)
        .num("held_outcomes", static_cast<int64_t>(f.held_outcomes))
        .emit();
  };
  auto spool = spool::open_sqlite(g->config_.spool);
  if (!spool) return tl::unexpected(spool.error());
  g->spool_ = std::move(*spool);

  g->engine_ = std::make_unique<delivery::Engine>(g->config_.destination_ptrs(), *g->spool_, g->metrics_);
  g->engine_->start();

  delivery::Engine* engine = g->engine_.get();
  spool::Spool* spool_ptr = g->spool_.get();
  g->intake_ = std::make_unique<ingest::Intake>(
      g->config_.intake, g->config_.destination_ptrs(), *g->spool_, g->metrics_,
      [engine](std::vector<delivery::Accepted> accepted) { engine->submit(std::move(accepted)); },
      [spool_ptr] { return spool_ptr->writable(); });

  ingest::Intake* intake = g->intake_.get();
  net::ServerOptions server_options = g->config_.server;
  server_options.check_head = [intake](const net::Request& head) { return intake->check_head(head); };
  server_options.on_notice = [](const net::ServerNotice& n) {
    const bool normal = n.kind == net::ServerNotice::Kind::memory_released;
    log::Line(net::notice_name(n.kind), normal ? log::Level::info : log::Level::warn)
        .num("count", static_cast<int64_t>(n.count))
        .num("live_connections", static_cast<int64_t>(n.live_connections))
        .str("detail", n.detail)
        .emit();
  };
  auto server = net::HttpServer::start(server_options, [intake](net::Request&& request, net::Respond respond) {
    intake->handle(std::move(request), std::move(respond));
  });
  if (!server) {
    g->engine_->stop(std::chrono::milliseconds(1000));
    g->spool_->close();
    return tl::unexpected(server.error());
  }
  g->server_ = std::move(*server);

  std::string names;
  for (const auto* d : g->config_.destination_ptrs()) names += (names.empty() ? "" : ",") + std::string(d->name());
  log::Line("listening")
      .str("address", g->server_->host() + ":" + std::to_string(g->server_->port()))
      .num("port", static_cast<int64_t>(g->server_->port()))
      .str("destinations", names)
      .num("max_connections", static_cast<int64_t>(g->server_->max_connections()))
      .num("max_body_bytes_in_flight", static_cast<int64_t>(g->config_.server.max_body_bytes_in_flight))
      .str("spool", g->config_.spool.path)
      .str("version", FANOUT_VERSION)
      .emit();
  return g;
}

Gateway::~Gateway() { stop(); }

uint16_t Gateway::port() const { return server_->port(); }

std::string Gateway::url() const { return "http://" + server_->host() + ":" + std::to_string(server_->port()); }

void Gateway::stop() {
  if (stopped_) return;
  stopped_ = true;
  const int64_t started = now_ms();
  const int64_t timeout = config_.shutdown_timeout_ms;
  // Kept back from the delivery deadline for what follows it: aborting the transfers still in flight, the
  // spool's last commit and the exit. Without it a hanging platform made the exit land just past the bound.
  const int64_t margin = std::min<int64_t>(kShutdownMarginMs, timeout / 5);
  // HTTP first: requests in progress get their (post-commit) answers; nothing new is accepted.
  if (server_) server_->stop(std::chrono::milliseconds(std::min<int64_t>(2000, timeout / 4)));
  const int64_t left = timeout - margin - (now_ms() - started);
  if (engine_) engine_->stop(std::chrono::milliseconds(std::max<int64_t>(left, 0)));
  if (spool_) spool_->close();
  const int64_t took = now_ms() - started;
  log::Line("stopped", took > timeout ? log::Level::warn : log::Level::info)
      .num("shutdown_ms", took)
      .num("shutdown_timeout_ms", timeout)
      .emit();
}

}  // namespace fanout::app
