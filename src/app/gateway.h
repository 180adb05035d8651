#pragma once
// The running gateway: spool, delivery engine, intake and HTTP server wired together.
// Used by `fanout serve` and `fanout demo`.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
  // The configuration in effect: the one started with, or the last one reload() applied.
  const Config& config() const { return reloaded_ ? *reloaded_ : config_; }

  // `systemctl reload` (SIGHUP): applies `next`'s secrets, admin token, intake settings and
  // destinations without dropping or repeating an event. Intake keeps accepting throughout; the
  // delivery engine is replaced: in-flight requests finish, the rest stays pending in the spool and
  // the new engine resumes it. Refused, with the running configuration kept, when `next` changes a
  // setting that only a restart can change (restart_only_changes). Call from one thread (not with stop()).
  Status reload(Config next);

  // Graceful stop (docs/operations.md, "Shutdown and restarts"): stop accepting, answer requests in progress, let in-flight platform
  // requests finish, leave the rest pending in the spool. Bounded by shutdown_timeout_ms.
  void stop();

 private:
  Gateway() = default;
  // Sets fanout_ready and the spool size gauges from the spool whenever /metrics is read.
  void publish_gauges();
  // Hands committed events to the current engine (the spool writer thread calls this).
  void submit(std::vector<delivery::Accepted> accepted);

  Config config_;
  telemetry::Metrics metrics_;
  std::unique_ptr<spool::Spool> spool_;
  std::unique_ptr<delivery::Engine> engine_;
  std::unique_ptr<ingest::Intake> intake_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<Config> preview_config_;  // the config re-read with secrets redacted (console previews)
  std::unique_ptr<console::Console> console_;  // the web console, when an admin token is configured
  bool stopped_ = false;

  std::mutex engine_mu_;  // guards engine_ against reload() swapping it while submit() uses it
  std::shared_ptr<const Config> reloaded_;  // the last reload's config (old ones live while requests use them)
};

// Keys whose value differs between `running` and `next` and that only a restart applies: the listen
// address and HTTP server settings, and every [spool] setting. Empty when `next` may be reloaded.
std::vector<std::string> restart_only_changes(const Config& running, const Config& next);

}  // namespace fanout::app
