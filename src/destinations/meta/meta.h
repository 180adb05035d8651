#pragma once
// Meta Conversions API (CAPI): POST {base_url}/{api_version}/{pixel_id}/events?access_token=...
// Config: [destinations.meta] pixel_id, access_token_env|_file, api_version, test_event_code,
// allowed_pixel_ids, plus the shared delivery keys (docs/configuration.md).
#include <memory>

#include "core/config_table.h"
#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest {

// Reads [destinations.meta] (every problem recorded in table.errors(), naming its key; unknown keys
// reported) and returns the destination. `configured_names` = the [events.*].meta entries.
std::unique_ptr<Destination> make_meta(ConfigTable& table, const EventNameMap& configured_names);

// Canonical event name -> Meta standard event, for names without an [events.X].meta entry.
// Names not listed here are sent unchanged, as Meta custom events.
const EventNameMap& meta_default_event_names();

}  // namespace fanout::dest
