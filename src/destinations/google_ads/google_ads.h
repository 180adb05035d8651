#pragma once
// Google Ads destination: mode "data_manager" (Data Manager API events:ingest, the default) or
// "click_conversions" (Google Ads API uploadClickConversions). Decisions are in README.md here.
#include <memory>

#include "core/config_table.h"
#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest {

// Reads [destinations.google_ads] (mode, customer_id, login_customer_id, the OAuth secrets, developer token,
// oauth_url, api_version and the shared delivery keys), records every problem in `table.errors()` and returns
// the destination. `configured_names` holds the [events.X].google_ads conversion actions; they are checked here
// too (errors under "events.X.google_ads").
std::unique_ptr<Destination> make_google_ads(ConfigTable& table, const EventNameMap& configured_names);

}  // namespace fanout::dest
