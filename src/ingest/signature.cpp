#include "ingest/signature.h"

#include "core/sha256.h"
#include "ingest/field_checks.h"

namespace fanout::ingest {
namespace {

// The hex digest of a header value: trimmed, without its optional "sha256=" prefix.
std::string_view digest_of(std::string_view header_value) {
  std::string_view value = trim(header_value);
  if (starts_with_nocase(value, "sha256=")) value.remove_prefix(7);
  return value;
}

}  // namespace

bool signature_well_formed(std::string_view header_value) {
  return is_sha256_hex(digest_of(header_value));
}

bool verify_signature(std::string_view header_value, std::string_view body, const std::vector<std::string>& secrets) {
  // Only a well-formed digest is compared, so the comparison length is always 32 bytes and leaks nothing.
  // The presented hex is decoded (either case) and compared with the MAC's bytes: no hex text of the MAC
  // and no lowercased copy of the header are built for each request.
  const std::optional<Sha256Digest> presented = sha256_from_hex(digest_of(header_value));
  if (!presented) return false;
  const std::string_view presented_bytes(reinterpret_cast<const char*>(presented->data()), presented->size());
  bool match = false;
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    const Sha256Digest mac = hmac_sha256(secret, body);
    match |= constant_time_equal(presented_bytes, std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  }
  return match;
}

std::string sign_body(std::string_view body, std::string_view secret) {
  return hmac_sha256_hex(secret, body);
}

bool bearer_matches(std::string_view authorization, std::string_view token) {
  if (token.empty()) return false;
  std::string_view value = trim(authorization);
  if (!starts_with_nocase(value, "bearer ")) return false;
  value = trim(value.substr(7));
  // Compare digests so that neither the token's length nor its content leaks through timing.
  return constant_time_equal(sha256_hex(value), sha256_hex(token));
}

}  // namespace fanout::ingest
