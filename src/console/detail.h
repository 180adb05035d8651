#pragma once
// The Detail view of one event: per destination its state, the request body fanout sent or will send
// (built from the stored payload by the destination's own build(), with redacted credentials, as
// `fanout preview` does: personal data only hashed, secrets "REDACTED") and its kept attempts.
#include <string>
#include <vector>

#include "console/event_window.h"
#include "core/result.h"
#include "destinations/destination.h"
#include "spool/spool.h"

namespace fanout::console {

// The detail JSON of the event `event_id`, or nullopt when the spool does not know it. `destinations`
// must be built from a config read with redacted secrets; empty = requests cannot be shown.
Result<std::optional<std::string>> event_detail_json(spool::Spool& spool, const std::string& event_id,
                                                     const std::vector<const dest::Destination*>& destinations);

}  // namespace fanout::console
