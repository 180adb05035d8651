#include "app/commands.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/config.h"
#include "app/env_file.h"
#include "app/gateway.h"
#include "app/http_client.h"
#include "app/open_files.h"
#include "app/preview.h"
#include "core/clock.h"
#include "core/sha256.h"
#include "core/stop_signals.h"
#include "sandbox/sandbox.h"
#include "telemetry/log.h"

namespace fanout::app {

int failure(const std::string& reason) {
  std::fprintf(stderr, "fanout: %s\n", reason.c_str());
  return 1;
}

bool read_input(const std::string& file, std::string& out) {
  std::stringstream ss;
  if (file.empty() || file == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return false;
    ss << in.rdbuf();
  }
  out = ss.str();
  return true;
}

namespace {

// The config at `path` with the secrets of `env_file` ("" = none) read before the process environment.
Result<Config> load_with_env(const std::string& path, const std::string& env_file) {
  LoadOptions options;
  if (!env_file.empty()) {
    auto env = read_env_file(env_file);
    if (!env) return tl::unexpected(env.error());
    options.environment = std::move(*env);
  }
  return load_config(path, options);
}

}  // namespace

int cmd_serve(const std::string& config_flag, const std::string& env_file) {
  std::string path = resolve_config_path(config_flag);
  auto config = load_with_env(path, env_file);
  if (!config) return failure(config.error().message);
  for (const auto& warning : config->warnings) log::Line("config_warning", log::Level::warn).str("problem", warning).emit();
  const OpenFilesLimit files = raise_open_files_limit();
  log::Line("open_files_limit", files.error.empty() ? log::Level::info : log::Level::warn)
      .num("soft_before", static_cast<int64_t>(files.before))
      .num("soft", static_cast<int64_t>(files.soft))
      .num("hard", static_cast<int64_t>(files.hard))
      .str("error", files.error)
      .emit();
  sigset_t signals = block_stop_signals();
  // SIGHUP (`systemctl reload`) is taken by the same sigwait, so every thread inherits it blocked.
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto gateway = Gateway::start(std::move(*config));
  if (!gateway) return failure(gateway.error().message);
  int sig = 0;
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    // A config or environment file with errors is refused: the running configuration stays.
    auto next = load_with_env(path, env_file);
    Status applied = next ? (*gateway)->reload(std::move(*next)) : Status(tl::unexpected(next.error()));
    if (!applied)
      log::Line("reload_refused", log::Level::error)
          .str("config", path)
          .str("error", applied.error().message)
          .emit();
  }
  log::Line("shutting_down").str("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT").emit();
  (*gateway)->stop();
  return 0;
}

int cmd_check_config(const std::string& config_flag, const std::string& env_file) {
  std::string path = resolve_config_path(config_flag);
  auto config = load_with_env(path, env_file);
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return 1;
  }
  for (const auto& warning : config->warnings) std::fprintf(stderr, "warning: %s\n", warning.c_str());
  std::string names;
  for (const auto* d : config->destination_ptrs()) names += (names.empty() ? "" : ", ") + std::string(d->name());
  std::printf("%s: ok (destinations: %s)\n", path.c_str(), names.c_str());
  return 0;
}

int cmd_preview(const std::string& config_flag, const std::string& event_file) {
  std::string path = resolve_config_path(config_flag);
  auto config = load_config(path, LoadOptions{.redact_secrets = true});
  if (!config) return failure(config.error().message);
  std::string body;
  if (!read_input(event_file, body)) return failure("cannot read " + event_file);
  auto out = preview(*config, body, now_ms() / 1000);
  if (!out) {
    std::printf("%s\n", out.error().message.c_str());
    return failure(out.error().code == "invalid_json" ? "the event is not valid JSON" : "the event is invalid");
  }
  std::fputs(out->c_str(), stdout);
  return 0;
}

int cmd_send(const std::string& url, const std::string& secret_env, const std::string& event_file,
             const std::string& signature_header) {
  const char* secret = std::getenv(secret_env.c_str());
  if (!secret || !*secret) return failure("environment variable " + secret_env + " is not set");
  std::string key(secret);
  if (auto comma = key.find(','); comma != std::string::npos) key.resize(comma);  // first of a rotation list
  std::string body;
  if (!read_input(event_file, body)) return failure("cannot read " + event_file);
  std::string target = url;
  if (target.find("://") == std::string::npos) target = "http://" + target;
  if (target.find('/', target.find("://") + 3) == std::string::npos) target += "/v1/events";
  auto response = http_call(
      "POST", target,
      {{"Content-Type", "application/json"}, {signature_header, "sha256=" + hmac_sha256_hex(key, body)}}, body);
  if (!response) return failure(response.error().message);
  std::printf("%ld\n%s\n", response->status, response->body.c_str());
  return response->status >= 200 && response->status < 300 ? 0 : 1;
}

int cmd_sandbox(const std::string& listen) {
  return sandbox::run_sandbox_cli(listen);
}

}  // namespace fanout::app
