#pragma once
// The running gateway: spool, delivery engine, intake and HTTP server wired together.
// Used by `fanout serve` and `fanout demo`.
#include <chrono>
#include <memory>
#include <string>

#include "app/config.h"
#include "console/console.h"
#include "core/result.h"
#include "delivery/engine.h"
#include "ingest/intake.h"
#include "net/http_server.h"
#include "spool/spool.h"
#include "telemetry/metrics.h"

namespace fanout::app {

class Gateway {
 public:
  // Opens the spool, starts delivery (resuming pending deliveries) and then the HTTP server.
  static Result<std::unique_ptr<Gateway>> start(Config config);
  ~Gateway();

  uint16_t port() const;
  std::string url() const;  // "http://host:port"
  spool::Spool& spool() { return *spool_; }
  const Config& config() const { return config_; }

  // Graceful stop (SPEC §5): stop accepting, answer requests in progress, let in-flight platform
  // requests finish, leave the rest pending in the spool. Bounded by shutdown_timeout_ms.
  void stop();

 private:
  Gateway() = default;
  Config config_;
  telemetry::Metrics metrics_;
  std::unique_ptr<spool::Spool> spool_;
  std::unique_ptr<delivery::Engine> engine_;
  std::unique_ptr<ingest::Intake> intake_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<Config> preview_config_;  // the config re-read with secrets redacted (console previews)
  std::unique_ptr<console::Console> console_;  // the web console, when an admin token is configured
  bool stopped_ = false;
};

}  // namespace fanout::app
