#pragma once
// Email normalization, one function per rule (each rule named by what it does; core/event.h HashedUser says
// which field holds each). Each returns the normalized plaintext, or "" when the value is not a plausible address
// (no '@', empty local part or domain, a domain without a dot, white space inside): such values are dropped.
#include <string>
#include <string_view>

namespace fanout::identity {

// Every rule's spelling of one address, from a single Unicode fold of `raw` ("" where a rule drops it).
struct EmailVariants {
  std::string lower, gmail, no_dots_tag;
};
EmailVariants email_variants(std::string_view raw);

// Trim + lowercase (Meta, TikTok).
std::string normalize_email_lower(std::string_view raw);

// Trim, lowercase, remove white space inside; for gmail.com and googlemail.com only, remove the local part's
// dots and its "+suffix" (Google Ads, GA4, Data Manager).
std::string normalize_email_gmail(std::string_view raw);

// Trim, lowercase, remove white space and accents, remove every dot and the "+tag" of the local part, any domain
// (Microsoft Advertising: UET CAPI and offline enhanced conversions).
std::string normalize_email_no_dots_tag(std::string_view raw);

}  // namespace fanout::identity
