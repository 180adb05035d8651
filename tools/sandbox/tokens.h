#pragma once
// The sandbox's OAuth token endpoints (POST /google_ads/token, /microsoft_ads/token): a refresh-token grant
// gets "sandbox-token-N". Once a platform has issued a token, its APIs accept only tokens it issued and has
// not revoked (auth_expired revokes them all, so a client must refresh to get through).
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "net/http_server.h"

namespace fanout::sandbox {

class TokenBook {
 public:
  // Answers a token request: form body grant_type=refresh_token&refresh_token=..&client_id=..
  net::Response issue(const std::string& platform, const std::string& form_body);
  // Whether `token` may call `platform`: any non-empty token until the platform issued one, then only
  // issued, unrevoked tokens.
  bool accepts(const std::string& platform, std::string_view token) const;
  // Invalidates every token issued so far for `platform`.
  void revoke(const std::string& platform);
  // Tokens issued for `platform` since the last reset.
  uint64_t issued(const std::string& platform) const;
  void reset();

 private:
  struct Book {
    bool oauth_used = false;  // the platform issued a token since the last reset
    uint64_t issued = 0;
    std::deque<std::string> valid;  // newest last; bounded by kMaxValid
  };
  static constexpr size_t kMaxValid = 1000;

  mutable std::mutex mutex_;
  uint64_t next_ = 1;  // numbers tokens across platforms
  std::map<std::string, Book, std::less<>> books_;
};

}  // namespace fanout::sandbox
