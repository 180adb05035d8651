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
  g->config_.spool.on_fault = [metrics = &g->metrics_](const spool::SpoolFault& f) {
    if (f.kind == spool::SpoolFault::Kind::write_failed) metrics->spool_write_failure();
    const char* names[] = {"spool_write_failed", "spool_write_recovered", "spool_outcomes_dropped"};
    const bool recovered = f.kind == spool::SpoolFault::Kind::write_recovered;
    log::Line(names[static_cast<int>(f.kind)], recovered ? log::Level::warn : log::Level::error)
        .str("detail", f.detail)
        .num("held_outcomes", static_cast<int64_t>(f.held_outcomes))
        .emit();
  };
  auto spool = open_spool(g->config_, true);
  if (!spool) return tl::unexpected(spool.error());
  g->spool_ = std::move(*spool);
  g->publish_gauges();
  const bool shared = g->config_.spool_backend == "postgres";
  if (shared) g->metrics_.node_info(g->config_.postgres.node_id);

  g->engine_ = std::make_unique<delivery::Engine>(g->config_.destination_ptrs(), *g->spool_, g->metrics_);
  g->engine_->start();

  Gateway* gateway = g.get();
  spool::Spool* spool_ptr = g->spool_.get();
  g->intake_ = std::make_unique<ingest::Intake>(
      g->config_.intake, g->config_.destination_ptrs(), *g->spool_, g->metrics_,
      [gateway](std::vector<delivery::Accepted> accepted) { gateway->submit(std::move(accepted)); },
      [spool_ptr] { return spool_ptr->writable(); });

  ingest::Intake* intake = g->intake_.get();
  console::Console* console = nullptr;
  if (!g->config_.intake.admin_token.empty()) {
    console::ConsoleOptions options;
    options.admin_token = g->config_.intake.admin_token;
    for (const auto* d : g->config_.destination_ptrs()) options.destination_names.emplace_back(d->name());
    // Request previews are built like `fanout preview`'s, from the config read with secrets redacted.
    if (auto redacted = load_config(g->config_.path, LoadOptions{.redact_secrets = true})) {
      g->preview_config_ = std::make_unique<Config>(std::move(*redacted));
      options.preview_destinations = g->preview_config_->destination_ptrs();
    }
    g->console_ = std::make_unique<console::Console>(std::move(options), *g->spool_, g->metrics_);
    console = g->console_.get();
  }
  net::ServerOptions server_options = g->config_.server;
  server_options.check_head = [intake, console](const net::Request& head) -> std::optional<net::Response> {
    if (console && console::Console::owns(head.target)) return std::nullopt;  // the console answers its own routes
    return intake->check_head(head);
  };
  server_options.on_count = [metrics = &g->metrics_](net::ServerNotice::Kind kind, uint64_t n,
                                                     const std::string& detail) {
    using Kind = net::ServerNotice::Kind;
    if (const char* reason = net::refusal_reason(kind)) metrics->http_request_rejected(reason, n);
    if (kind == Kind::shed_idle) metrics->connections_shed(detail, n);
    if (kind == Kind::connection_refused) metrics->connections_refused("max_connections", n);
    if (kind == Kind::accept_failed) metrics->connections_refused("accept_failed", n);
  };
  server_options.on_notice = [](const net::ServerNotice& n) {
    // A client's own mistakes (too large, unparsable) are info; what protects the server is warn.
    using Kind = net::ServerNotice::Kind;
    const bool normal = n.kind == Kind::memory_released || n.kind == Kind::body_too_large ||
                        n.kind == Kind::headers_too_large || n.kind == Kind::malformed_request;
    log::Line(net::notice_name(n.kind), normal ? log::Level::info : log::Level::warn)
        .num("count", static_cast<int64_t>(n.count))
        .num("live_connections", static_cast<int64_t>(n.live_connections))
        .str("detail", n.detail)
        .emit();
  };
  auto server = net::HttpServer::start(server_options, [intake, console](net::Request&& request,
                                                                          net::Respond respond) {
    if (console && console::Console::owns(request.target)) return console->handle(std::move(request), std::move(respond));
    intake->handle(std::move(request), std::move(respond));
  });
  if (!server) {
    if (g->console_) g->console_->stop();
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
      .str("spool", shared ? "postgres" : g->config_.spool.path)
      .str("node_id", shared ? g->config_.postgres.node_id : "")
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
  const int64_t timeout = config().shutdown_timeout_ms;
  // Kept back from the delivery deadline for what follows it: aborting the transfers still in flight, the
  // spool's last commit and the exit. Without it a hanging platform made the exit land just past the bound.
  const int64_t margin = std::min<int64_t>(kShutdownMarginMs, timeout / 5);
  // HTTP first: requests in progress get their (post-commit) answers; nothing new is accepted.
  if (server_) server_->stop(std::chrono::milliseconds(std::min<int64_t>(2000, timeout / 4)));
  if (console_) console_->stop();
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
