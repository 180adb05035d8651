#include "delivery/token_cache.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "core/url.h"

namespace fanout::delivery {

TokenCache::TokenCache(std::optional<dest::OAuthSettings> settings) : settings_(std::move(settings)) {
  if (settings_ && !settings_->static_token.empty()) {
    token_ = settings_->static_token;
    generation_ = 1;
  }
}

bool TokenCache::valid(int64_t now_ms) const {
  if (!needed()) return true;
  if (!refreshable()) return true;
  return !token_.empty() && now_ms < expires_at_ms_;
}

void TokenCache::invalidate(uint64_t generation) {
  if (!refreshable() || generation != generation_) return;
  token_.clear();
  expires_at_ms_ = 0;
}

dest::HttpRequest TokenCache::refresh_request() const {
  dest::HttpRequest r;
  r.method = "POST";
  if (!settings_) return r;
  const dest::OAuthSettings& s = *settings_;
  r.url = s.token_url;
  r.headers = {{"content-type", "application/x-www-form-urlencoded"}, {"accept", "application/json"}};
  auto add = [&](const char* key, const std::string& value) {
    if (!r.body.empty()) r.body.push_back('&');
    r.body.append(key).append("=").append(percent_encode(value));
  };
  add("grant_type", "refresh_token");
  add("client_id", s.client_id);
  if (!s.client_secret.empty()) add("client_secret", s.client_secret);
  add("refresh_token", s.refresh_token);
  if (!s.scope.empty()) add("scope", s.scope);
  return r;
}

Status TokenCache::accept(const dest::HttpResponse& response, int64_t now_ms) {
  if (response.status == 0) return fail("unavailable", "token endpoint unreachable: " + response.transport_error);
  rapidjson::Document doc;
  doc.Parse(response.body.data(), response.body.size());
  bool is_object = !doc.HasParseError() && doc.IsObject();
  if (response.status < 200 || response.status >= 300) {
    std::string code;
    if (is_object && doc.HasMember("error") && doc["error"].IsString()) code = doc["error"].GetString();
    code = code.substr(0, 64);  // an OAuth error code is a short token; never echo more of the body
    return fail("unavailable", "token endpoint answered http_" + std::to_string(response.status) +
                                   (code.empty() ? "" : " (" + code + ")"));
  }
  if (!is_object || !doc.HasMember("access_token") || !doc["access_token"].IsString() ||
      doc["access_token"].GetStringLength() == 0)
    return fail("unavailable", "token endpoint answered without an access_token");
  int64_t lifetime_ms = kDefaultLifetimeMs;
  if (doc.HasMember("expires_in")) {
    const auto& v = doc["expires_in"];
    if (v.IsNumber())
      lifetime_ms = static_cast<int64_t>(v.GetDouble() * 1000);
    else if (v.IsString())
      lifetime_ms = std::atoll(v.GetString()) * 1000;  // some endpoints send a string
  }
  // A token shorter-lived than twice the margin is used for half its life rather than never, and at least
  // kMinUsableMs so that a bogus expires_in (0, negative) cannot turn into a fetch loop.
  int64_t usable_ms = lifetime_ms > 2 * kExpiryMarginMs ? lifetime_ms - kExpiryMarginMs : lifetime_ms / 2;
  token_ = doc["access_token"].GetString();
  expires_at_ms_ = now_ms + std::max<int64_t>(usable_ms, kMinUsableMs);
  ++generation_;
  return {};
}

}  // namespace fanout::delivery
