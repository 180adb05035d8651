// The gateway as a service: reload (`systemctl reload fanout`, SIGHUP), the submit path it swaps
// engines under, and the gauges alerts watch. Kept apart from gateway.cpp's start/stop wiring.
#include <future>
#include <utility>

#include "app/gateway.h"
#include "core/clock.h"
#include "telemetry/log.h"

namespace fanout::app {

std::vector<std::string> restart_only_changes(const Config& running, const Config& next) {
  std::vector<std::string> keys;
  auto check = [&](bool same, const char* key) {
    if (!same) keys.emplace_back(key);
  };
  check(running.server.listen == next.server.listen, "server.listen");
  check(running.server.threads == next.server.threads, "server.threads");
  check(running.server.max_body_bytes == next.server.max_body_bytes, "server.max_body_bytes");
  check(running.spool.path == next.spool.path, "spool.path");
  check(running.spool.max_bytes == next.spool.max_bytes, "spool.max_bytes");
  check(running.spool_backend == next.spool_backend, "spool.backend");
  check(running.postgres.url == next.postgres.url, "spool.url_env");
  check(running.postgres.node_id == next.postgres.node_id, "spool.node_id");
  check(running.postgres.lease_ms == next.postgres.lease_ms, "spool.lease_ms");
  return keys;
}

void Gateway::publish_gauges() {
  metrics_.on_render([this] {
    metrics_.ready(spool_->writable());
    // config_, not config(): reload() swaps the latter on another thread, and spool settings never reload.
    metrics_.spool_size(static_cast<double>(spool_->live_bytes()), static_cast<double>(config_.spool.max_bytes));
  });
}

void Gateway::submit(std::vector<delivery::Accepted> accepted) {
  std::lock_guard lock(engine_mu_);
  engine_->submit(std::move(accepted));
}

Status Gateway::reload(Config next) {
  if (stopped_) return fail("unavailable", "the gateway is stopping");
  if (auto keys = restart_only_changes(config(), next); !keys.empty()) {
    std::string names;
    for (const auto& k : keys) names += (names.empty() ? "" : ", ") + k;
    return fail("restart_required", names + " can change only with a restart");
  }
  const int64_t started = now_ms();
  auto fresh = std::make_shared<const Config>(std::move(next));

  // Intake first: the next request is checked with the new secrets and split over the new
  // destinations. Requests in progress finish with the old ones (their state keeps them alive).
  intake_->reconfigure(fresh->intake, fresh->destination_ptrs(), fresh);

  // Delivery: the new engine takes every event committed from now on; it is started only once the
  // old one has stopped and its outcomes are committed, so nothing is sent by both. Events the old
  // engine held but had not sent stay pending in the spool, where the new engine starts reading.
  auto engine = std::make_unique<delivery::Engine>(fresh->destination_ptrs(), *spool_, metrics_);
  std::unique_ptr<delivery::Engine> old;
  {
    std::lock_guard lock(engine_mu_);
    old = std::exchange(engine_, std::move(engine));
  }
  old->stop(std::chrono::milliseconds(config().shutdown_timeout_ms));
  std::promise<void> committed;
  spool_->enqueue({}, [&committed](Result<spool::EnqueueResult>) { committed.set_value(); });  // a barrier
  committed.get_future().wait();
  engine_->start();
  old.reset();
  reloaded_ = std::move(fresh);

  std::string names;
  for (const auto* d : reloaded_->destination_ptrs()) names += (names.empty() ? "" : ",") + std::string(d->name());
  log::Line("config_reloaded")
      .str("config", reloaded_->path)
      .str("destinations", names)
      .num("delivery_paused_ms", now_ms() - started)
      .emit();
  return {};
}

}  // namespace fanout::app
