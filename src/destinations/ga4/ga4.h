#pragma once
// GA4 Measurement Protocol destination (POST {base_url}/mp/collect). Decisions are in README.md here.
#include <memory>

#include "core/config_table.h"
#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest {

// Reads [destinations.ga4] (measurement_id, api_secret_env / api_secret_file and the shared delivery keys),
// records every problem in `table.errors()` and returns the destination. `configured_names` holds the
// [events.X].ga4 entries (canonical -> GA4 event name).
std::unique_ptr<Destination> make_ga4(ConfigTable& table, const EventNameMap& configured_names);

}  // namespace fanout::dest
