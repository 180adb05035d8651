#include "core/sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

namespace fanout {
namespace {

// EVP_sha256() makes OpenSSL 3 fetch the provider's implementation (under a lock) on every use, and
// EVP_Digest builds a fresh context each call; both showed in profiles at a dozen hashes per event. The
// algorithm is fetched once per process and each thread reuses one context (EVP_DigestInit_ex2 resets it).
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

EVP_MD_CTX* thread_digest_ctx() {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return ctx.get();
}

// Same for HMAC: the MAC is fetched once and each thread keeps a context already set to SHA-256, so a call only
// keys it (EVP_MAC_init with a new key restarts the MAC).
EVP_MAC_CTX* thread_hmac_ctx() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  thread_local std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx = [] {
    std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> c(mac ? EVP_MAC_CTX_new(mac) : nullptr,
                                                                &EVP_MAC_CTX_free);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    if (c && !EVP_MAC_CTX_set_params(c.get(), params)) c.reset();
    return c;
  }();
  return ctx.get();
}

// Value of each byte as a hex digit, or -1: one table load per character instead of three range tests
// (is_sha256_hex runs twice on every signed request, and on every personal-data value).
constexpr std::array<signed char, 256> kHexValue = [] {
  std::array<signed char, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = static_cast<signed char>(c >= '0' && c <= '9'   ? c - '0'
                                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                           : -1);
  return t;
}();

int hex_value(char c) {
  return kHexValue[static_cast<unsigned char>(c)];
}

// The two lowercase hex digits of every byte value, so a digest is written one table copy per byte into a
// string built once from the finished text (no zero fill first).
constexpr std::array<char, 512> kHexPairs = [] {
  std::array<char, 512> t{};
  constexpr char kDigits[] = "0123456789abcdef";
  for (int b = 0; b < 256; ++b) {
    t[2 * b] = kDigits[b >> 4];
    t[2 * b + 1] = kDigits[b & 0xf];
  }
  return t;
}();

std::string to_hex(const unsigned char* bytes, size_t n) {
  char text[2 * EVP_MAX_MD_SIZE];
  n = std::min<size_t>(n, EVP_MAX_MD_SIZE);
  for (size_t i = 0; i < n; ++i) std::memcpy(text + 2 * i, &kHexPairs[2 * bytes[i]], 2);
  return std::string(text, 2 * n);
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = thread_digest_ctx();
  if (!sha256_md() || !ctx || !EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) ||
      !EVP_DigestUpdate(ctx, data.data(), data.size()) || !EVP_DigestFinal_ex(ctx, md, &len)) {
    // Not expected with the default provider; fall back to the one-shot call rather than return a wrong hash.
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  }
  return to_hex(md, len);
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  Sha256Digest md{};
  size_t len = 0;
  EVP_MAC_CTX* ctx = thread_hmac_ctx();
  // Intake signs every request with the same secret: keying the context again costs two SHA-256 blocks
  // and the context copies (6.4k of the 26k instructions of a 1 KB body), so while the key is the one
  // this thread's context holds, EVP_MAC_init gets a null key, which restarts the MAC with the key it
  // has. Any other key, an empty one included, is set (a null pointer would mean "keep").
  thread_local std::string keyed_with;
  thread_local bool keyed = false;
  static const unsigned char kNoKey = 0;
  const bool same_key = keyed && key == keyed_with;
  const auto* key_bytes =
      same_key ? nullptr : key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
  keyed = false;  // until this call succeeded
  if (!ctx || !EVP_MAC_init(ctx, key_bytes, same_key ? 0 : key.size(), nullptr) ||
      !EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) ||
      !EVP_MAC_final(ctx, md.data(), &len, md.size())) {
    // Not expected with the default provider; the one-shot call (EVP_MAC underneath) gives the same digest.
    unsigned int one_shot_len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), md.data(), &one_shot_len);
  } else {
    keyed = true;
    if (!same_key) keyed_with.assign(key);
  }
  return md;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  const Sha256Digest md = hmac_sha256(key, data);
  return to_hex(md.data(), md.size());
}

std::optional<Sha256Digest> sha256_from_hex(std::string_view hex) {
  Sha256Digest out;
  if (hex.size() != 2 * out.size()) return std::nullopt;
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return out;
}

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (hex_value(c) < 0) return false;
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace fanout
