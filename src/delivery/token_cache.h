#pragma once
// The OAuth access token of one destination (refresh-token grant, RFC 6749 §6). Pure state: the
// lane sends refresh_request() through the shared curl client and hands the answer to accept().
// Tokens are secrets: nothing here logs them, and errors never quote the token endpoint's body.
#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"
#include "destinations/destination.h"

namespace fanout::delivery {

class TokenCache {
 public:
  // A token is renewed this long before the endpoint's expires_in runs out.
  static constexpr int64_t kExpiryMarginMs = 60000;
  // expires_in assumed when the endpoint gives none (Google and Microsoft issue one-hour tokens).
  static constexpr int64_t kDefaultLifetimeMs = 3600000;
  // Shortest time a fetched token is held, whatever expires_in says.
  static constexpr int64_t kMinUsableMs = 5000;

  // nullopt: the destination needs no token (needed() is false).
  explicit TokenCache(std::optional<dest::OAuthSettings> settings);

  // True when build() must be given a bearer token.
  bool needed() const { return settings_.has_value(); }
  // True for the refresh-token flow; a static token is used as is and never refreshed.
  bool refreshable() const { return needed() && settings_->static_token.empty(); }
  // A usable token is held at `now_ms` (static tokens always are).
  bool valid(int64_t now_ms) const;
  // The credentials for build(): the current token, "" when none is needed.
  dest::Auth auth() const { return dest::Auth{token_}; }
  // Bumps with every new token, so a late 401 of a request sent with an older token does not drop a fresh one.
  uint64_t generation() const { return generation_; }

  // Drops the token if it is still the one of `generation` (a 401 said it no longer works).
  void invalidate(uint64_t generation);

  // The form-encoded POST to token_url (grant_type, client_id, client_secret and scope when set, refresh_token).
  dest::HttpRequest refresh_request() const;

  // Caches the token of a successful answer, valid until expires_in - kExpiryMarginMs. Errors name the
  // HTTP status and the OAuth error code ("invalid_grant"), never the body.
  Status accept(const dest::HttpResponse& response, int64_t now_ms);

 private:
  std::optional<dest::OAuthSettings> settings_;
  std::string token_;
  int64_t expires_at_ms_ = 0;
  uint64_t generation_ = 0;
};

}  // namespace fanout::delivery
