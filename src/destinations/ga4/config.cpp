// make_ga4(): reads [destinations.ga4].
#include <string>
#include <utility>

#include "destinations/ga4/ga4.h"

namespace fanout::dest {

std::unique_ptr<Destination> make_ga4(ConfigTable& table, const EventNameMap& configured_names) {
  DeliveryOptions defaults;
  defaults.base_url = "https://www.google-analytics.com";
  defaults.max_batch = ga4::Ga4Destination::kMaxEventsPerRequest;
  ga4::Settings s;
  s.options = read_delivery_options(table, defaults);
  s.measurement_id = table.required_str("measurement_id");
  s.api_secret = table.secret("api_secret", true, "GA4_API_SECRET");
  for (const auto& [canonical, ga4_name] : configured_names)
    if (!ga4::valid_event_name(ga4_name))
      table.errors().add("events." + canonical + ".ga4",
                         "\"" + ga4_name +
                             "\" is not a valid GA4 event name (letters, digits, '_', 40 at most, "
                             "starting with a letter, not reserved)");
  s.configured_names = configured_names;
  table.finish();
  return std::make_unique<ga4::Ga4Destination>(std::move(s));
}

}  // namespace fanout::dest
