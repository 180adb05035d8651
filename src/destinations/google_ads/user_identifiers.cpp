#include "destinations/google_ads/user_identifiers.h"

namespace fanout::dest::google_ads {

std::vector<UserIdentifier> pick_identifiers(const HashedUser& user, size_t max) {
  std::vector<UserIdentifier> out;
  const auto& emails = user.email_gmail_sha256;
  const auto& phones = user.phone_e164_sha256;
  for (size_t i = 0; out.size() < max && (i < emails.size() || i < phones.size()); ++i) {
    if (i < emails.size() && !emails[i].empty()) out.push_back({UserIdentifier::email, &emails[i]});
    if (out.size() < max && i < phones.size() && !phones[i].empty()) out.push_back({UserIdentifier::phone, &phones[i]});
  }
  return out;
}

bool has_identifiers(const Event& event) {
  const Ids& ids = event.ids;
  if (!ids.gclid.empty() || !ids.gbraid.empty() || !ids.wbraid.empty()) return true;
  return !pick_identifiers(event.user, 1).empty();
}

}  // namespace fanout::dest::google_ads
