#pragma once
// The whole configuration (docs/configuration.md), loaded from TOML with every problem reported by key.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "destinations/destination.h"
#include "ingest/intake.h"
#include "net/http_server.h"
#include "spool/spool.h"

namespace fanout::app {

struct Config {
  std::string path;                      // the file it was read from
  net::ServerOptions server;
  int64_t shutdown_timeout_ms = 10000;   // SIGTERM: exit within this
  ingest::IntakeOptions intake;
  std::string spool_backend = "sqlite";  // [spool] backend: "sqlite" | "postgres"
  spool::SqliteOptions spool;
  spool::PostgresOptions postgres;       // backend = "postgres": url, node_id, lease_ms
  std::vector<std::unique_ptr<dest::Destination>> destinations;  // enabled ones, in documented order (meta, ga4, google_ads, microsoft_ads, tiktok)
  std::vector<std::string> warnings;  // weak but accepted settings, each starting with its key (never a secret)

  std::vector<const dest::Destination*> destination_ptrs() const;
};

struct LoadOptions {
  bool redact_secrets = false;  // preview: secrets read as "REDACTED", none required
  std::map<std::string, std::string> environment{};  // read before the process environment (`--env-file`)
};

// The config path: --config, else $FANOUT_CONFIG, else ./fanout.toml.
std::string resolve_config_path(const std::string& flag);

// Loads and validates `path`. On failure the Error message lists every problem, one per line,
// each starting with its key.
Result<Config> load_config(const std::string& path, const LoadOptions& options = {});

// Opens the configured spool backend. `serve` false (CLI tools): a shared spool registers no node.
Result<std::unique_ptr<spool::Spool>> open_spool(const Config& config, bool serve);

// Same from TOML text (tests, demo).
Result<Config> load_config_text(const std::string& text, const std::string& path, const LoadOptions& options = {});

}  // namespace fanout::app
