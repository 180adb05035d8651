// make_microsoft_ads(): reads [destinations.microsoft_ads] for the configured mode.
#include <algorithm>
#include <cctype>
#include <initializer_list>

#include "destinations/microsoft_ads/microsoft_ads.h"

namespace fanout::dest {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// An account or tag id: Microsoft's are numeric, and a pasted name or dash fails only at send time otherwise.
std::string digits_key(ConfigTable& t, const char* key, bool required) {
  std::string v = required ? t.required_str(key) : t.str(key);
  if (!v.empty() && !all_digits(v)) t.errors().add(t.full_key(key), "must be digits only");
  return v;
}

// A key of the other mode is read (so finish() does not call it unknown) and reported with a useful message:
// "unknown key" would hide that the mode is the mistake.
void reject_other_mode(ConfigTable& t, std::initializer_list<const char*> keys, const char* mode) {
  for (const char* key : keys) {
    if (!t.has(key)) continue;
    t.str(key);
    t.errors().add(t.full_key(key), std::string("only used when mode = \"") + mode + "\"");
  }
}

std::unique_ptr<Destination> make_capi(ConfigTable& t, const EventNameMap& names) {
  DeliveryOptions defaults;
  defaults.base_url = "https://capi.uet.microsoft.com";
  defaults.max_batch = 1000;  // UET CAPI limit of events per request

  microsoft_ads::CapiSettings s;
  s.options = read_delivery_options(t, defaults);
  const bool on = s.options.enabled;  // a disabled destination needs neither ids nor secrets
  s.tag_id = digits_key(t, "tag_id", on);
  s.token = t.secret("capi_token", on, "MS_ADS_CAPI_TOKEN");
  s.data_provider = t.str("data_provider");
  s.configured_names = names;
  reject_other_mode(
      t,
      {"customer_id", "account_id", "developer_token_env", "developer_token_file", "refresh_token_env",
       "refresh_token_file", "client_id_env", "client_id_file", "client_secret_env", "client_secret_file", "oauth_url"},
      "offline");
  return std::make_unique<microsoft_ads::CapiDestination>(std::move(s));
}

std::unique_ptr<Destination> make_offline(ConfigTable& t, const EventNameMap& names) {
  DeliveryOptions defaults;
  defaults.base_url = "https://campaign.api.bingads.microsoft.com";
  defaults.max_batch = 1000;  // ApplyOfflineConversions limit per call

  microsoft_ads::OfflineSettings s;
  s.options = read_delivery_options(t, defaults);
  const bool on = s.options.enabled;
  s.customer_id = digits_key(t, "customer_id", on);
  s.account_id = digits_key(t, "account_id", on);
  s.developer_token = t.secret("developer_token", on, "MS_ADS_DEVELOPER_TOKEN");
  s.oauth.refresh_token = t.secret("refresh_token", on, "MS_ADS_REFRESH_TOKEN");
  s.oauth.client_id = t.secret("client_id", on, "MS_ADS_CLIENT_ID");
  s.oauth.client_secret = t.secret("client_secret", false);  // web apps only; native apps have none
  s.oauth.token_url = t.str("oauth_url", "https://login.microsoftonline.com/common/oauth2/v2.0/token");
  if (s.oauth.token_url.rfind("https://", 0) != 0 && s.oauth.token_url.rfind("http://", 0) != 0)
    t.errors().add(t.full_key("oauth_url"), "must start with http:// or https://");
  s.oauth.scope = "https://ads.microsoft.com/msads.manage offline_access";
  s.configured_names = names;
  reject_other_mode(t, {"tag_id", "capi_token_env", "capi_token_file", "data_provider"}, "capi");
  return std::make_unique<microsoft_ads::OfflineDestination>(std::move(s));
}

}  // namespace

std::unique_ptr<Destination> make_microsoft_ads(ConfigTable& t, const EventNameMap& configured_names) {
  std::string mode = t.str("mode", "capi");
  if (mode != "capi" && mode != "offline") {
    t.errors().add(t.full_key("mode"), "must be \"capi\" or \"offline\"");
    mode = "capi";  // keep checking the other keys so every problem is reported at once
  }
  auto dest = mode == "offline" ? make_offline(t, configured_names) : make_capi(t, configured_names);
  t.finish();
  return dest;
}

}  // namespace fanout::dest
