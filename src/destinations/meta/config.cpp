// make_meta(): reads [destinations.meta].
#include <algorithm>
#include <cctype>

#include "destinations/meta/meta.h"

namespace fanout::dest {

const EventNameMap& meta::default_event_names() {
  static const EventNameMap names{
      {"purchase", "Purchase"},
      {"lead", "Lead"},
      {"complete_registration", "CompleteRegistration"},
      {"sign_up", "CompleteRegistration"},
      {"add_to_cart", "AddToCart"},
      {"initiate_checkout", "InitiateCheckout"},
      {"begin_checkout", "InitiateCheckout"},
      {"view_content", "ViewContent"},
      {"page_view", "PageView"},
      {"contact", "Contact"},
      {"schedule", "Schedule"},
      {"submit_application", "SubmitApplication"},
      {"subscribe", "Subscribe"},
      {"start_trial", "StartTrial"},
      {"add_payment_info", "AddPaymentInfo"},
      {"search", "Search"},
  };
  return names;
}

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// "v26.0": Meta pins behaviour per Graph version, so a typo must fail at startup, not as 400s later.
bool graph_version(const std::string& v) {
  size_t dot = v.find('.');
  return v.size() >= 4 && v[0] == 'v' && dot != std::string::npos && all_digits(v.substr(1, dot - 1)) &&
         all_digits(v.substr(dot + 1));
}

}  // namespace

std::unique_ptr<Destination> make_meta(ConfigTable& t, const EventNameMap& configured_names) {
  DeliveryOptions defaults;
  defaults.base_url = "https://graph.facebook.com";
  defaults.max_batch = 1000;  // Meta's limit of events per request

  meta::Settings s;
  s.options = read_delivery_options(t, defaults);
  const bool on = s.options.enabled;  // a disabled destination needs neither ids nor secrets

  s.pixel_id = on ? t.required_str("pixel_id") : t.str("pixel_id");
  if (!s.pixel_id.empty() && !all_digits(s.pixel_id)) t.errors().add(t.full_key("pixel_id"), "must be digits only");
  s.access_token = t.secret("access_token", on, "META_CAPI_ACCESS_TOKEN");
  s.api_version = t.str("api_version", s.api_version);
  if (!graph_version(s.api_version)) t.errors().add(t.full_key("api_version"), "must look like \"v26.0\"");
  s.website_without_browser = t.str("website_without_browser", s.website_without_browser);
  if (s.website_without_browser != "other" && s.website_without_browser != "skip" &&
      s.website_without_browser != "website")
    t.errors().add(t.full_key("website_without_browser"), "must be \"other\", \"skip\" or \"website\"");
  s.test_event_code = t.str("test_event_code");
  s.allowed_pixel_ids = t.str_list("allowed_pixel_ids");
  for (const std::string& id : s.allowed_pixel_ids)
    if (!all_digits(id)) t.errors().add(t.full_key("allowed_pixel_ids"), "every pixel id must be digits only");
  s.configured_names = configured_names;
  t.finish();
  return std::make_unique<meta::MetaDestination>(std::move(s));
}

}  // namespace fanout::dest
