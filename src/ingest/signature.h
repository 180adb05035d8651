#pragma once
// Webhook signature (docs/api.md, "Signature"): the header carries hex HMAC-SHA256 of the raw body keyed with the webhook
// secret, optionally prefixed "sha256=". Several secrets may be configured during a rotation.
#include <string>
#include <string_view>
#include <vector>

namespace fanout::ingest {

// True when `header_value` is the HMAC-SHA256 of `body` under any non-empty secret of `secrets`.
// Hex digits and the "sha256=" prefix are matched case-insensitively; surrounding spaces are ignored.
// Every secret is tried (no early exit) and compared in constant time. No secrets -> always false.
bool verify_signature(std::string_view header_value, std::string_view body, const std::vector<std::string>& secrets);

// True when `header_value` could be a signature at all (64 hex digits, optional "sha256=" prefix): intake
// refuses a request without one before reading its body.
bool signature_well_formed(std::string_view header_value);

// The header value a sender puts on `body` with `secret` (lowercase hex, no prefix): for tests and `fanout send`.
std::string sign_body(std::string_view body, std::string_view secret);

// True when `authorization` is "Bearer <token>" (scheme case-insensitive) with exactly `token`, compared in
// constant time. An empty `token` never matches.
bool bearer_matches(std::string_view authorization, std::string_view token);

}  // namespace fanout::ingest
