#pragma once
// The whole configuration (SPEC §2), loaded from TOML with every problem reported by key.
#include <cstdint>
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
  spool::SqliteOptions spool;
  std::vector<std::unique_ptr<dest::Destination>> destinations;  // enabled ones, in SPEC order
  std::vector<std::string> warnings;  // weak but accepted settings, each starting with its key (never a secret)

  std::vector<const dest::Destination*> destination_ptrs() const;
};

struct LoadOptions {
  bool redact_secrets = false;  // preview: secrets read as "REDACTED", none required
};

// The config path: --config, else $FANOUT_CONFIG, else ./fanout.toml.
std::string resolve_config_path(const std::string& flag);

// Loads and validates `path`. On failure the Error message lists every problem, one per line,
// each starting with its key.
Result<Config> load_config(const std::string& path, const LoadOptions& options = {});

// Same from TOML text (tests, demo).
Result<Config> load_config_text(const std::string& text, const std::string& path, const LoadOptions& options = {});

}  // namespace fanout::app
