#pragma once
// Normalization and SHA-256 hashing of personal data, once per rule (see core/event.h HashedUser).
// This is the only place raw personal data is turned into what fanout stores.
#include <string>

#include "core/event.h"

namespace fanout::identity {

struct Options {
  std::string default_region = "US";  // ISO alpha-2 region for phone numbers when the event has no country
};

// Normalizes and hashes every field of `raw` into the per-rule fields of HashedUser.
// Values that are already SHA-256 hex are kept (lowercased) and never hashed twice, in the field of the rule
// they were made by only (raw.sha256; a hash in email counts as email_lower, in phone as phone_e164).
HashedUser hash_user(const RawUser& raw, const Options& options);

// ISO 3166 alpha-2 (upper case) for an alpha-2 code or a common English country name
// ("United Kingdom", "usa", "Deutschland" is not required); "" when unknown.
std::string country_code(const std::string& country_or_name);

}  // namespace fanout::identity
