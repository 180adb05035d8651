// make_tiktok(): reads [destinations.tiktok].
#include "destinations/tiktok/tiktok.h"

namespace fanout::dest {

const EventNameMap& tiktok::default_event_names() {
  // TikTok's 2025 standard events renamed CompletePayment -> Purchase and SubmitForm -> Lead, which made them
  // the same names as Meta's standard events (a list of its own all the same: the two platforms change
  // theirs independently). TikTok lists no page-view standard event, but its reserved-events table maps
  // "Browse" to "PageView", so PageView is the name it recognizes (help article "reserved-events", Sept 2025).
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

std::unique_ptr<Destination> make_tiktok(ConfigTable& t, const EventNameMap& configured_names) {
  DeliveryOptions defaults;
  defaults.base_url = "https://business-api.tiktok.com";
  defaults.max_batch = 1000;  // the commonly cited limit; TikTok answers 40061 when a batch is too big

  tiktok::Settings s;
  s.options = read_delivery_options(t, defaults);
  const bool on = s.options.enabled;  // a disabled destination needs neither ids nor secrets
  s.pixel_code = on ? t.required_str("pixel_code") : t.str("pixel_code");
  s.access_token = t.secret("access_token", on, "TIKTOK_EVENTS_ACCESS_TOKEN");
  s.app_id = t.str("app_id");
  s.offline_event_set_id = t.str("offline_event_set_id");
  s.crm_event_set_id = t.str("crm_event_set_id");
  s.test_event_code = t.str("test_event_code");
  s.configured_names = configured_names;
  t.finish();
  return std::make_unique<tiktok::TiktokDestination>(std::move(s));
}

}  // namespace fanout::dest
