// `fanout dlq list` / `fanout dlq replay`: inspect and re-queue dead-lettered deliveries.
#include <cstdio>

#include "app/commands.h"
#include "app/config.h"
#include "core/clock.h"
#include "telemetry/log.h"

namespace fanout::app {
namespace {

Result<std::unique_ptr<spool::Spool>> open_spool(const std::string& config_flag) {
  auto config = load_config(resolve_config_path(config_flag), LoadOptions{.redact_secrets = true});
  if (!config) return tl::unexpected(config.error());
  return spool::open_sqlite(config->spool);
}

}  // namespace

int cmd_dlq_list(const std::string& config_flag, const std::string& destination, const std::string& event_id) {
  auto spool = open_spool(config_flag);
  if (!spool) {
    std::fprintf(stderr, "fanout: %s\n", spool.error().message.c_str());
    return 1;
  }
  auto letters = (*spool)->dead_letters(destination, event_id, 10000);
  if (!letters) {
    std::fprintf(stderr, "fanout: %s\n", letters.error().message.c_str());
    return 1;
  }
  // One JSON object per line: easy to grep and to pipe into jq.
  for (const auto& l : *letters) {
    std::string line;
    log::append_json_string(line, l.event_id);
    std::string dest, reason;
    log::append_json_string(dest, l.destination);
    log::append_json_string(reason, l.reason);
    std::printf("{\"event_id\":%s,\"destination\":%s,\"reason\":%s,\"attempts\":%d,\"updated_at\":\"%s\"}\n",
                line.c_str(), dest.c_str(), reason.c_str(), l.attempts, format_rfc3339_ms(l.updated_at_ms).c_str());
  }
  std::fprintf(stderr, "%zu dead-lettered deliveries\n", letters->size());
  return 0;
}

int cmd_dlq_replay(const std::string& config_flag, const std::string& destination, const std::string& event_id) {
  auto spool = open_spool(config_flag);
  if (!spool) {
    std::fprintf(stderr, "fanout: %s\n", spool.error().message.c_str());
    return 1;
  }
  auto n = (*spool)->replay(destination, event_id);
  if (!n) {
    std::fprintf(stderr, "fanout: %s\n", n.error().message.c_str());
    return 1;
  }
  (*spool)->close();
  std::printf("{\"replayed\":%lld}\n", static_cast<long long>(*n));
  return 0;
}

}  // namespace fanout::app
