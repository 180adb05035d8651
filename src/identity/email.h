#pragma once
// Email normalization, one function per platform rule (docs/platforms.md, "Hashing": Meta, Microsoft
// capi/offline, Google). Each returns the normalized plaintext, or "" when the value is not a plausible address
// (no '@', empty local part or domain, a domain without a dot, white space inside): such values are dropped.
#include <string>
#include <string_view>

namespace fanout::identity {

// Every rule's spelling of one address, from a single Unicode fold of `raw` ("" where a rule drops it).
struct EmailVariants {
  std::string meta, google, ms_capi, ms_offline;
};
EmailVariants email_variants(std::string_view raw);

// Meta, TikTok: trim + lowercase.
std::string normalize_email_meta(std::string_view raw);

// Google Ads, GA4, Data Manager: trim, lowercase, remove white space inside; for gmail.com and
// googlemail.com only, remove the local part's dots and its "+suffix".
std::string normalize_email_google(std::string_view raw);

// Microsoft UET CAPI: trim, lowercase, remove every dot and the "+alias" of the local part, any domain.
std::string normalize_email_ms_capi(std::string_view raw);

// Microsoft offline conversions: trim, lowercase, remove everything from '+' to '@' in the local part.
std::string normalize_email_ms_offline(std::string_view raw);

}  // namespace fanout::identity
