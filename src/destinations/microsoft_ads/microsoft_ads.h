#pragma once
// Microsoft Advertising, in one of two modes ([destinations.microsoft_ads] mode):
//  - "capi" (default): UET Conversions API, POST {base_url}/v1/{tag_id}/events, Bearer <UET tag token>.
//  - "offline": Campaign Management ApplyOfflineConversions (REST), OAuth bearer + DeveloperToken +
//    CustomerId + CustomerAccountId headers; each canonical event needs an [events.X].microsoft_ads
//    conversion goal name.
#include <memory>

#include "core/config_table.h"
#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest {

// Reads [destinations.microsoft_ads] (every problem recorded in table.errors(), naming its key; keys of
// the other mode and unknown keys reported) and returns the destination for the configured mode.
// `configured_names` = the [events.*].microsoft_ads entries.
std::unique_ptr<Destination> make_microsoft_ads(ConfigTable& table, const EventNameMap& configured_names);

}  // namespace fanout::dest
