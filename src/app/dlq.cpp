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
  return open_spool(*config, false);
}

}  // namespace

int cmd_dlq_list(const std::string& config_flag, const std::string& destination, const std::string& event_id) {
  auto spool = open_spool(config_flag);
  if (!spool) return failure(spool.error().message);
  auto letters = (*spool)->dead_letters(destination, event_id, 10000);
  if (!letters) return failure(letters.error().message);
  // One JSON object per line: easy to grep and to pipe into jq.
  auto quoted = [](const std::string& text) {
    std::string out;
    log::append_json_string(out, text);
    return out;
  };
  for (const auto& l : *letters)
    std::printf("{\"event_id\":%s,\"destination\":%s,\"reason\":%s,\"attempts\":%d,\"updated_at\":\"%s\"}\n",
                quoted(l.event_id).c_str(), quoted(l.destination).c_str(), quoted(l.reason).c_str(), l.attempts,
                format_rfc3339_ms(l.updated_at_ms).c_str());
  std::fprintf(stderr, "%zu dead-lettered deliveries\n", letters->size());
  return 0;
}

int cmd_dlq_replay(const std::string& config_flag, const std::string& destination, const std::string& event_id) {
  auto spool = open_spool(config_flag);
  if (!spool) return failure(spool.error().message);
  auto n = (*spool)->replay(destination, event_id);
  if (!n) return failure(n.error().message);
  (*spool)->close();
  std::printf("{\"replayed\":%lld}\n", static_cast<long long>(*n));
  return 0;
}

}  // namespace fanout::app
