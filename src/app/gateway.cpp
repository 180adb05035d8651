#include "app/gateway.h"

#include "core/clock.h"
#include "telemetry/log.h"

namespace fanout::app {

Result<std::unique_ptr<Gateway>> Gateway::start(Config config) {
  std::unique_ptr<Gateway> g(new Gateway());
  g->config_ = std::move(config);
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
  auto server = net::HttpServer::start(g->config_.server, [intake, console](net::Request&& request,
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
  int64_t started = now_ms();
  const int64_t timeout_ms = config().shutdown_timeout_ms;
  auto budget = [&] {
    int64_t left = timeout_ms - (now_ms() - started);
    return std::chrono::milliseconds(left > 100 ? left : 100);
  };
  // HTTP first: requests in progress get their (post-commit) answers; nothing new is accepted.
  if (server_) server_->stop(std::chrono::milliseconds(std::min<int64_t>(2000, timeout_ms / 2)));
  if (console_) console_->stop();
  if (engine_) engine_->stop(budget());
  if (spool_) spool_->close();
  log::Line("stopped").num("shutdown_ms", now_ms() - started).emit();
}

}  // namespace fanout::app
