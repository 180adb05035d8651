#pragma once
// Which hashed email / phone identifiers a Google conversion carries when there are more than it takes.
#include <string>
#include <vector>

#include "core/event.h"

namespace fanout::dest::google_ads {

struct UserIdentifier {
  enum Kind { email, phone } kind;
  const std::string* sha256;  // lowercase hex, Google normalization; points into the event's HashedUser
};

// At most `max` identifiers, alternating email and phone (Google normalization) so that one kind cannot
// crowd the other out.
std::vector<UserIdentifier> pick_identifiers(const HashedUser& user, size_t max);

// True when `event` has something Google Ads can match on: a click id or a hashed email or phone.
bool has_identifiers(const Event& event);

}  // namespace fanout::dest::google_ads
