#pragma once
// Google Ads identifiers as the config and events give them.
#include <optional>
#include <string>
#include <string_view>

namespace fanout::dest::google_ads {

// The numeric id of a conversion action mapping: "customers/{cid}/conversionActions/{id}" or a bare "{id}".
// nullopt when the text is neither. The customer part is not kept: the configured customer_id is the account
// every conversion goes to.
std::optional<std::string> conversion_action_id(std::string_view mapping);

// A customer id as digits only ("123-456-7890" -> "1234567890"); "" when it holds anything but digits and
// dashes, or no digit.
std::string normalize_customer_id(std::string_view text);

}  // namespace fanout::dest::google_ads
