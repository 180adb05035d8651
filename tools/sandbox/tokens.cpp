#include "sandbox/tokens.h"

#include <algorithm>

#include "sandbox/json.h"

namespace fanout::sandbox {
namespace {

net::Response oauth_error(const char* error, const std::string& description) {
  net::Response r;
  r.status = 400;
  JsonOut j;
  j.begin_object().field("error", error).field("error_description", description).end_object();
  r.body = j.take();
  return r;
}

}  // namespace

net::Response TokenBook::issue(const std::string& platform, const std::string& form_body) {
  auto form = parse_query(form_body);
  if (form["grant_type"] != "refresh_token") {
    return oauth_error("unsupported_grant_type", "grant_type must be refresh_token");
  }
  if (form["refresh_token"].empty()) return oauth_error("invalid_request", "refresh_token is required");
  if (form["client_id"].empty()) return oauth_error("invalid_request", "client_id is required");

  std::string token;
  {
    std::lock_guard lock(mutex_);
    token = "sandbox-token-" + std::to_string(next_++);
    Book& book = books_[platform];
    book.oauth_used = true;
    ++book.issued;
    book.valid.push_back(token);
    if (book.valid.size() > kMaxValid) book.valid.pop_front();
  }
  net::Response r;
  JsonOut j;
  j.begin_object().field("access_token", token).field("expires_in", 3600).field("token_type", "Bearer").end_object();
  r.body = j.take();
  return r;
}

bool TokenBook::accepts(const std::string& platform, std::string_view token) const {
  if (token.empty()) return false;
  std::lock_guard lock(mutex_);
  auto it = books_.find(platform);
  if (it == books_.end() || !it->second.oauth_used) return true;
  const auto& valid = it->second.valid;
  return std::find(valid.rbegin(), valid.rend(), token) != valid.rend();
}

void TokenBook::revoke(const std::string& platform) {
  std::lock_guard lock(mutex_);
  auto it = books_.find(platform);
  if (it != books_.end()) it->second.valid.clear();
}

uint64_t TokenBook::issued(const std::string& platform) const {
  std::lock_guard lock(mutex_);
  auto it = books_.find(platform);
  return it == books_.end() ? 0 : it->second.issued;
}

void TokenBook::reset() {
  std::lock_guard lock(mutex_);
  books_.clear();
}

}  // namespace fanout::sandbox
