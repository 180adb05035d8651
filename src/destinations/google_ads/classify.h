#pragma once
// How Google Ads answers map to per-event outcomes, for both modes. Pure.
#include <cstddef>

#include "destinations/destination.h"

namespace fanout::dest::google_ads {

enum class Mode { data_manager, click_conversions };

// Outcomes for a request of `events` events:
//  - 2xx that is no JSON object (a proxy's or CDN's page): all retry, foreign_body (the request failed).
//  - 2xx: Data Manager has no partial failure, so all delivered. uploadClickConversions reports failed rows in
//    partialFailureError: TOO_RECENT_* (after 6 hours when they are the only retries) and internal/transient/quota
//    errors retry, CLICK_CONVERSION_ALREADY_EXISTS and ORDER_ID_ALREADY_IN_USE count as delivered (a resend after a
//    lost answer), any other error rejects its row.
//  - 401: retry after an OAuth refresh. 403: retry (an account/permission problem, not the events').
//  - 408, 409, 429, 5xx, no answer: retry, with the body's retryDelay as a hint (delivery adds Retry-After).
//  - 400: Data Manager fails the whole request for one bad event, so a batch is split unless the reason is about
//    the destination (then all reject); uploadClickConversions' 400 is about the request: all reject.
//  - other 4xx: all reject.
Classification classify_response(Mode mode, size_t events, const HttpResponse& response);

}  // namespace fanout::dest::google_ads
