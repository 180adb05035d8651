#pragma once
// SHA-256 and HMAC-SHA256 over OpenSSL 3 EVP, lowercase hex output.
#include <string>
#include <string_view>

namespace fanout {

// Lowercase hex SHA-256 of the bytes of `data`.
std::string sha256_hex(std::string_view data);

// Lowercase hex HMAC-SHA256 of `data` keyed with `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// True when `s` is exactly 64 hex digits (either case): a value that is already a SHA-256.
bool is_sha256_hex(std::string_view s);

// Constant-time equality of two byte strings (length may leak, content does not).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace fanout
