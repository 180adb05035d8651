#pragma once
// TikTok Events API 2.0: POST {base_url}/open_api/v1.3/event/track/ with header Access-Token.
// Config: [destinations.tiktok] pixel_code, access_token_env|_file, test_event_code, plus the shared
// delivery keys (docs/configuration.md).
#include <memory>

#include "core/config_table.h"
#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest {

// Reads [destinations.tiktok] (every problem recorded in table.errors(), naming its key; unknown keys
// reported) and returns the destination. `configured_names` = the [events.*].tiktok entries.
std::unique_ptr<Destination> make_tiktok(ConfigTable& table, const EventNameMap& configured_names);

// Canonical event name -> TikTok standard event (2025 list), for names without an [events.X].tiktok entry.
// Names not listed here are sent unchanged, as TikTok custom events.
const EventNameMap& tiktok_default_event_names();

}  // namespace fanout::dest
