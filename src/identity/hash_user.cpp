// hash_user: applies every normalization rule to a RawUser and keeps only SHA-256 hashes
// (plus the few address fields platforms take in the clear).
#include <algorithm>
#include <utility>
#include <vector>

#include "core/sha256.h"
#include "identity/address.h"
#include "identity/country.h"
#include "identity/email.h"
#include "identity/identity.h"
#include "identity/names.h"
#include "identity/person.h"
#include "identity/phone.h"

namespace fanout::identity {
namespace {

constexpr size_t kMaxValueBytes = 1024;   // a longer value is not personal data we can match; dropped
constexpr size_t kMaxValuesPerList = 20;  // emails or phones per user; platforms use far fewer (Google Ads: 5)

std::string_view trim_ascii(std::string_view s) {
  const auto ws = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower_hex(std::string_view hex) {
  std::string out(hex);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return c >= 'A' && c <= 'F' ? c + 32 : c; });
  return out;
}

bool usable(std::string_view value) {
  return !value.empty() && value.size() <= kMaxValueBytes;
}

// Platforms' rules often spell a value the same way (Meta and Google emails outside Gmail, first names, the
// zip hashed and in the clear), so each distinct normalized text of one user is hashed once. Users carry a
// handful of values: a linear scan beats any map.
class Hasher {
 public:
  // Room for the distinct texts of a typical user (country, email rules, phone forms, names, address, ids)
  // in one allocation; more still fit, the vector grows.
  Hasher() { done_.reserve(kTypicalValues); }

  // SHA-256 hex of `normalized`; "" for "" (a value a rule dropped).
  std::string hex(const std::string& normalized) {
    if (normalized.empty()) return {};
    for (const auto& [text, hash] : done_)
      if (text == normalized) return hash;
    done_.emplace_back(normalized, sha256_hex(normalized));
    return done_.back().second;
  }

  // "" when absent or normalized to nothing; a pre-hashed value as is (lowercased); else SHA-256 of the rule's output.
  template <typename Normalize>
  std::string one(std::string_view raw, const Normalize& normalize) {
    const std::string_view value = trim_ascii(raw);
    if (!usable(value)) return {};
    if (is_sha256_hex(value)) return lower_hex(value);
    return hex(normalize(value));
  }

  // A field platforms take both hashed and in the clear under one rule: normalized once. The clear value is ""
  // when absent or sent pre-hashed, since a hash is no country or postal code.
  template <typename Normalize>
  void hashed_and_plain(std::string_view raw, const Normalize& normalize, std::string& hashed, std::string& clear) {
    const std::string_view value = trim_ascii(raw);
    if (!usable(value)) return;
    if (is_sha256_hex(value)) {
      hashed = lower_hex(value);
      return;
    }
    clear = normalize(value);
    hashed = hex(clear);
  }

 private:
  static constexpr size_t kTypicalValues = 16;
  std::vector<std::pair<std::string, std::string>> done_;  // normalized text -> its hex
};

void push_unique(std::vector<std::string>& out, std::string hash) {
  if (!hash.empty() && std::find(out.begin(), out.end(), hash) == out.end()) out.push_back(std::move(hash));
}

// Hashes the caller sent, under the rule they name: kept (lowercased) in that rule's field only, so no platform
// gets a hash made by another platform's rule.
void add_pre_hashed(const std::vector<std::string>& hashes, std::vector<std::string>& out) {
  for (size_t i = 0; i < hashes.size() && i < kMaxValuesPerList; ++i) {
    const std::string_view value = trim_ascii(hashes[i]);
    if (is_sha256_hex(value)) push_unique(out, lower_hex(value));
  }
}

void hash_emails(const std::vector<std::string>& emails, Hasher& hasher, HashedUser& out) {
  for (size_t i = 0; i < emails.size() && i < kMaxValuesPerList; ++i) {
    const std::string_view value = trim_ascii(emails[i]);
    if (!usable(value)) continue;
    if (is_sha256_hex(value)) {  // a hash in `email` is documented as made by the lowercase rule
      push_unique(out.email_lower_sha256, lower_hex(value));
      continue;
    }
    const EmailVariants v = email_variants(value);
    push_unique(out.email_lower_sha256, hasher.hex(v.lower));
    push_unique(out.email_gmail_sha256, hasher.hex(v.gmail));
    push_unique(out.email_no_dots_tag_sha256, hasher.hex(v.no_dots_tag));
  }
}

void hash_phones(const std::vector<std::string>& phones, const std::string& region, Hasher& hasher, HashedUser& out) {
  for (size_t i = 0; i < phones.size() && i < kMaxValuesPerList; ++i) {
    const std::string_view value = trim_ascii(phones[i]);
    if (!usable(value)) continue;
    if (is_sha256_hex(value)) {  // a hash in `phone` is documented as made from E.164 with '+'
      push_unique(out.phone_e164_sha256, lower_hex(value));
      continue;
    }
    // One libphonenumber parse per number; the digits-only form is the E.164 without its '+'.
    const std::optional<std::string> e164 = phone_e164(value, region);
    if (!e164) continue;
    push_unique(out.phone_e164_sha256, hasher.hex(*e164));
    push_unique(out.phone_digits_sha256, hasher.hex(e164->substr(1)));
  }
}

// A plain (not hashed) field: "" when absent or sent pre-hashed, since a hash is no city or postal code.
template <typename Normalize>
std::string plain(std::string_view raw, const Normalize& normalize) {
  const std::string_view value = trim_ascii(raw);
  if (!usable(value) || is_sha256_hex(value)) return {};
  return normalize(value);
}

}  // namespace

HashedUser hash_user(const RawUser& raw, const Options& options) {
  HashedUser out;
  Hasher hasher;
  hasher.hashed_and_plain(raw.country, normalize_country, out.country_sha256, out.country);
  const std::string& country = out.country;  // alpha-2 lowercase or ""

  hash_emails(raw.email, hasher, out);
  hash_phones(raw.phone, country.empty() ? options.default_region : country, hasher, out);
  add_pre_hashed(raw.sha256.email_lower, out.email_lower_sha256);
  add_pre_hashed(raw.sha256.email_gmail, out.email_gmail_sha256);
  add_pre_hashed(raw.sha256.email_no_dots_tag, out.email_no_dots_tag_sha256);
  add_pre_hashed(raw.sha256.phone_e164, out.phone_e164_sha256);
  add_pre_hashed(raw.sha256.phone_digits, out.phone_digits_sha256);

  out.first_name_sha256 = hasher.one(raw.first_name, normalize_name_meta);
  out.last_name_sha256 = hasher.one(raw.last_name, normalize_name_meta);
  out.first_name_words_sha256 = hasher.one(raw.first_name, normalize_name_words);
  out.last_name_words_sha256 = hasher.one(raw.last_name, normalize_name_words);

  out.city_sha256 = hasher.one(raw.city, normalize_city_meta);
  out.state_sha256 = hasher.one(raw.state, [&](std::string_view v) { return normalize_state_meta(v, country); });
  out.zip_sha256 = hasher.one(raw.zip, [&](std::string_view v) { return normalize_zip(v, country); });
  out.postal_code = plain(raw.zip, normalize_postal_code);
  out.gender_sha256 = hasher.one(raw.gender, normalize_gender);
  out.date_of_birth_sha256 =
      hasher.one(raw.date_of_birth, [](std::string_view v) { return normalize_date_of_birth(v); });
  out.external_id_sha256 = hasher.one(raw.external_id, normalize_external_id);

  out.city = plain(raw.city, normalize_city);
  out.region = plain(raw.state, normalize_region);
  out.external_id = usable(trim_ascii(raw.external_id)) ? trim_external_id(raw.external_id) : std::string();
  return out;
}

}  // namespace fanout::identity
