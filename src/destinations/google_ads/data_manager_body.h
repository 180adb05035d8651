#pragma once
// The Data Manager API IngestEventsRequest body (POST /v1/events:ingest). Pure.
#include <span>
#include <string>

#include "core/event.h"

namespace fanout::dest::google_ads {

// The one destination of a request: a conversion action of a Google Ads account.
struct DataManagerTarget {
  std::string customer_id;        // operatingAccount.accountId, digits only
  std::string login_customer_id;  // loginAccount.accountId (manager account), "" = none
  std::string conversion_action;  // productDestinationId, the numeric conversion action id
};

// The JSON body sending `events` (at most 2000) to `target`.
std::string data_manager_body(const DataManagerTarget& target, std::span<const Event* const> events);

}  // namespace fanout::dest::google_ads
