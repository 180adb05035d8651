#pragma once
// SHA-256 and HMAC-SHA256 over OpenSSL 3 EVP, lowercase hex output.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fanout {

// The 32 bytes of a SHA-256 or HMAC-SHA256 digest.
using Sha256Digest = std::array<unsigned char, 32>;

// Lowercase hex SHA-256 of the bytes of `data`.
std::string sha256_hex(std::string_view data);

// Lowercase hex HMAC-SHA256 of `data` keyed with `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// HMAC-SHA256 of `data` keyed with `key`, as bytes: what a check compares against, with no hex text to build.
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);

// The bytes of `hex` when it is exactly 64 hex digits (either case); nullopt otherwise.
std::optional<Sha256Digest> sha256_from_hex(std::string_view hex);

// True when `s` is exactly 64 hex digits (either case): a value that is already a SHA-256.
bool is_sha256_hex(std::string_view s);

// Constant-time equality of two byte strings (length may leak, content does not).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace fanout
