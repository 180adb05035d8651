#pragma once
// The Google Ads API UploadClickConversionsRequest body (POST /{version}/customers/{cid}:uploadClickConversions).
#include <cstdint>
#include <span>
#include <string>

#include "core/event.h"

namespace fanout::dest::google_ads {

// The JSON body uploading `events` (at most 2000); `conversion_actions[i]` is the resource name
// "customers/{cid}/conversionActions/{id}" of `events[i]`. partialFailure is always true (required).
std::string click_conversions_body(std::span<const Event* const> events,
                                   std::span<const std::string> conversion_actions);

// "yyyy-mm-dd hh:mm:ss+00:00" in UTC, the conversionDateTime format.
std::string conversion_date_time(int64_t unix_s);

}  // namespace fanout::dest::google_ads
