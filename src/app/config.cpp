#include "app/config.h"

#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "core/config_table.h"
#include "destinations/options.h"
#include "destinations/registry.h"
#include "identity/identity.h"

namespace fanout::app {
namespace {

// HTTP I/O threads when `threads` is not set: two once the process may run on two cores or more, else
// one. Measured on two cores at saturation (64 connections, single events, alternating, 2026-12-05): two
// threads accepted 5-15% more than one in each of four pairs (14,018 / 12,262; 13,268 / 11,503;
// 13,160 / 12,569; 12,606 / 11,711 events/s); a third added nothing (13,345 and 13,065). One thread
// stalls intake whenever it waits for a core; past two, the spool writer and the delivery thread (one
// each) are the limit. The cores counted are the ones the process may run on (taskset, CPUAffinity=).
size_t default_http_threads() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(0, sizeof cpus, &cpus) != 0) return 1;
  return CPU_COUNT(&cpus) >= 2 ? 2 : 1;
}

void read_server(ConfigTable t, Config& c) {
  c.server.listen = t.str("listen", "127.0.0.1:8080");
  c.server.max_body_bytes = static_cast<size_t>(t.integer("max_body_bytes", 1048576));
  c.server.threads = static_cast<size_t>(t.integer("threads", static_cast<int64_t>(default_http_threads())));
  c.server.max_connections = static_cast<size_t>(t.integer("max_connections", 10000));
  c.server.max_body_bytes_in_flight = static_cast<size_t>(t.integer("max_body_bytes_in_flight", 64 * 1048576));
  c.shutdown_timeout_ms = t.integer("shutdown_timeout_ms", 10000);
  c.intake.admin_token = t.secret("admin_token", false, "FANOUT_ADMIN_TOKEN");
  c.intake.trust_forwarded_for = t.boolean("trust_forwarded_for", false);
  if (c.server.listen.find(':') == std::string::npos) t.errors().add(t.full_key("listen"), "must be host:port");
  if (c.server.max_body_bytes < 1024 || c.server.max_body_bytes > 64 * 1048576)
    t.errors().add(t.full_key("max_body_bytes"), "must be between 1024 and 67108864");
  if (c.server.threads < 1 || c.server.threads > 64) t.errors().add(t.full_key("threads"), "must be between 1 and 64");
  if (c.server.max_connections < 1 || c.server.max_connections > 1000000)
    t.errors().add(t.full_key("max_connections"), "must be between 1 and 1000000");
  if (c.server.max_body_bytes_in_flight < c.server.max_body_bytes)
    t.errors().add(t.full_key("max_body_bytes_in_flight"), "must be at least max_body_bytes");
  if (c.shutdown_timeout_ms < 0) t.errors().add(t.full_key("shutdown_timeout_ms"), "must not be negative");
  t.finish();
}

// A webhook secret shorter than this is guessable offline from one signed request (HMAC-SHA256 takes a
// key of any length): check-config warns, serve starts. 32 random bytes as hex is 64 characters.
constexpr size_t kMinSecretChars = 16;

// Splits a rotation list ("new,old"), trimming blanks around each item. `blank_items` counts items that are
// empty after trimming ("a,,b", "a,", ","): each one is a mistake that would never match a signature.
std::vector<std::string> split_secrets(const std::string& value, size_t& blank_items) {
  std::vector<std::string> out;
  blank_items = 0;
  size_t start = 0;
  for (;;) {
    const size_t comma = value.find(',', start);
    const std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t b = item.find_first_not_of(" \t");
    size_t e = item.find_last_not_of(" \t");
    if (b == std::string::npos)
      ++blank_items;
    else
      out.push_back(item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

void read_ingest(ConfigTable t, Config& c) {
  c.intake.signature_header = t.str("signature_header", "X-CRM-Signature");
  const std::string secret = t.secret("secret", true, "CRM_WEBHOOK_SECRET");
  size_t blank_items = 0;
  c.intake.secrets = split_secrets(secret, blank_items);
  // An empty value is already reported by secret() as required; these catch what is empty only once split.
  // The key named is the one the operator sets; the value is never echoed.
  const std::string key = t.full_key(t.has("secret_file") ? "secret_file" : "secret_env");
  if (!secret.empty() && c.intake.secrets.empty()) {
    t.errors().add(key, "the secret is empty after splitting on commas (every request would get 401)");
  } else if (blank_items > 0) {
    t.errors().add(key, "the secret list holds " + std::to_string(blank_items) +
                            " empty item(s) between commas; list secrets as \"new,old\" with none empty");
  }
  for (size_t i = 0; i < c.intake.secrets.size(); ++i)
    if (c.intake.secrets[i].size() < kMinSecretChars && !t.errors().redact_secrets)
      c.warnings.push_back(key + ": secret " + std::to_string(i + 1) + " of " + std::to_string(c.intake.secrets.size()) +
                           " is shorter than " + std::to_string(kMinSecretChars) +
                           " characters; use at least 32 random bytes (openssl rand -hex 32)");
  c.intake.max_events_per_request = static_cast<size_t>(t.integer("max_events_per_request", 500));
  c.intake.legacy_route = t.boolean("legacy_route", true);
  if (c.intake.signature_header.empty()) t.errors().add(t.full_key("signature_header"), "must not be empty");
  if (c.intake.max_events_per_request < 1 || c.intake.max_events_per_request > 10000)
    t.errors().add(t.full_key("max_events_per_request"), "must be between 1 and 10000");
  t.finish();
}

std::string default_node_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
  return std::string(host) + ":" + std::to_string(::getpid());
}

void read_spool(ConfigTable t, Config& c) {
  c.spool_backend = t.str("backend", "sqlite");
  const bool postgres = c.spool_backend == "postgres";
  if (c.spool_backend != "sqlite" && !postgres) t.errors().add(t.full_key("backend"), "must be \"sqlite\" or \"postgres\"");
  c.spool.path = t.str("path", "./fanout-data/spool.db");
  // On PostgreSQL the database is the operator's, sized and watched as such, and its tables keep their
  // high-water mark after a purge: a bound there is opt-in (0 = none), while the SQLite file on
  // fanout's own disk is bounded by default.
  c.spool.max_bytes = t.integer("max_bytes", postgres ? 0 : 1073741824);
  if (c.spool.path.empty()) t.errors().add(t.full_key("path"), "must not be empty");
  if (c.spool.max_bytes < 1048576 && !(postgres && c.spool.max_bytes == 0)) {
    t.errors().add(t.full_key("max_bytes"), postgres ? "must be 0 (no bound) or at least 1048576" : "must be at least 1048576");
  }
  // The URL holds the password: environment or file only. Read even when other secrets are redacted
  // (`fanout dlq` reads the spool), never printed.
  const bool redact = t.errors().redact_secrets;
  t.errors().redact_secrets = false;
  c.postgres.url_key = t.has("url_file") ? t.full_key("url_file")
                                         : t.full_key("url_env") + " (" + t.str("url_env", "FANOUT_DATABASE_URL") + ")";
  c.postgres.url = t.secret("url", postgres && !redact, "FANOUT_DATABASE_URL");
  t.errors().redact_secrets = redact;
  c.postgres.node_id = t.str("node_id", "");
  if (c.postgres.node_id.empty()) c.postgres.node_id = default_node_id();
  c.postgres.lease_ms = t.integer("lease_ms", 10000);
  if (c.postgres.lease_ms < 300 || c.postgres.lease_ms > 600000)
    t.errors().add(t.full_key("lease_ms"), "must be between 300 and 600000");
  t.finish();
}

void read_identity(ConfigTable t, Config& c) {
  std::string region = t.str("default_region", "US");
  std::string code = identity::country_code(region);
  if (code.empty()) t.errors().add(t.full_key("default_region"), "must be an ISO 3166 alpha-2 country code");
  c.intake.identity.default_region = code.empty() ? "US" : code;
  t.finish();
}

// [events.<canonical>] tables -> per destination canonical -> platform name.
std::map<std::string, dest::EventNameMap> read_events(ConfigTable t) {
  std::map<std::string, dest::EventNameMap> out;
  for (const std::string& canonical : t.table_keys()) {
    ConfigTable ev = t.sub(canonical);
    for (const dest::Registration& platform : dest::registry()) {
      const std::string d(platform.name);
      std::string name = ev.str(d);
      if (!name.empty()) out[d][canonical] = name;
    }
    ev.finish();
  }
  t.finish();
  return out;
}

void read_legacy(ConfigTable t, Config& c) {
  c.intake.legacy_google_ads_labels = t.str_map("google_ads_labels");
  for (auto& id : t.str_list("allowed_pixel_ids")) c.intake.allowed_pixel_ids.push_back(id);
  for (auto& id : t.str_list("allowed_measurement_ids")) c.intake.allowed_measurement_ids.push_back(id);
  t.finish();
}

void read_destinations(ConfigTable t, const std::map<std::string, dest::EventNameMap>& names, Config& c) {
  for (const std::string& key : t.table_keys())
    if (!dest::find_registration(key)) t.errors().add(t.full_key(key), "unknown destination (" + dest::name_list() + ")");
  for (const dest::Registration& platform : dest::registry()) {
    const std::string d(platform.name);
    if (!t.has(d)) continue;
    ConfigTable dt = t.sub(d);
    // The legacy allow-lists may also sit in the destination's own table.
    if (d == "meta")
      for (auto& id : dt.str_list("allowed_pixel_ids")) c.intake.allowed_pixel_ids.push_back(id);
    if (d == "ga4") {
      for (auto& id : dt.str_list("allowed_measurement_ids")) c.intake.allowed_measurement_ids.push_back(id);
      c.intake.ga4_measurement_id = dt.str("measurement_id");  // required: make_ga4 reports it missing
    }
    static const dest::EventNameMap kNone;
    auto it = names.find(d);
    std::unique_ptr<dest::Destination> destination = platform.make(dt, it == names.end() ? kNone : it->second);
    if (destination && destination->options().enabled) c.destinations.push_back(std::move(destination));
  }
  t.finish();
}

}  // namespace

Result<std::unique_ptr<spool::Spool>> open_spool(const Config& config, bool serve) {
  if (config.spool_backend != "postgres") return spool::open_sqlite(config.spool);
  spool::PostgresOptions options = config.postgres;
  options.max_bytes = config.spool.max_bytes;
  options.serve = serve;
  return spool::open_postgres(options);
}

std::vector<const dest::Destination*> Config::destination_ptrs() const {
  std::vector<const dest::Destination*> out;
  for (const auto& d : destinations) out.push_back(d.get());
  return out;
}

std::string resolve_config_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("FANOUT_CONFIG"); env && *env) return env;
  return "./fanout.toml";
}

Result<Config> load_config_text(const std::string& text, const std::string& path, const LoadOptions& options) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return fail("invalid_config", msg.str());
  }
  Config c;
  c.path = path;
  ConfigErrors errors;
  errors.redact_secrets = options.redact_secrets;
  errors.environment = &options.environment;
  ConfigTable top(&root, "", errors);
  read_server(top.sub("server"), c);
  read_ingest(top.sub("ingest"), c);
  read_spool(top.sub("spool"), c);
  read_identity(top.sub("identity"), c);
  read_legacy(top.sub("legacy"), c);
  auto names = read_events(top.sub("events"));
  read_destinations(top.sub("destinations"), names, c);
  top.finish();
  if (c.destinations.empty() && errors.ok()) errors.add("destinations", "no destination is enabled");
  if (!errors.ok()) {
    std::string msg;
    for (const auto& item : errors.items) msg += (msg.empty() ? "" : "\n") + item;
    return fail("invalid_config", msg);
  }
  return c;
}

Result<Config> load_config(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path);
  if (!in) return fail("invalid_config", path + ": cannot read config file");
  std::stringstream ss;
  ss << in.rdbuf();
  return load_config_text(ss.str(), path, options);
}

}  // namespace fanout::app
