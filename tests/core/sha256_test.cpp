// core/sha256: digests against published vectors, the hex text (table-driven) and its reverse, sha256_from_hex.
#include "core/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace fanout {
namespace {

std::string hex_of(const Sha256Digest& d) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : d) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

TEST(Sha256, PublishedVectors) {
  // FIPS 180-2 examples.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, HmacBytesAreTheHexDigest) {
  // RFC 4231 test case 2.
  const Sha256Digest mac = hmac_sha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(hex_of(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"), hex_of(mac));
}

TEST(Sha256, FromHexTakesEitherCaseAndRoundTrips) {
  const std::string lower = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  std::string upper = lower;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto a = sha256_from_hex(lower), b = sha256_from_hex(upper);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(hex_of(*a), lower);
  EXPECT_EQ(hmac_sha256("Jefe", "what do ya want for nothing?"), *a);
}

TEST(Sha256, FromHexRefusesAnythingElse) {
  const std::string good(64, 'a');
  EXPECT_FALSE(sha256_from_hex(good.substr(1)));
  EXPECT_FALSE(sha256_from_hex(good + "a"));
  EXPECT_FALSE(sha256_from_hex(""));
  for (const char bad : {'g', 'G', ' ', '/', ':', '@', '`', '\0', '\xff'}) {
    std::string s = good;
    s[17] = bad;
    EXPECT_FALSE(sha256_from_hex(s)) << int(bad);
    EXPECT_FALSE(is_sha256_hex(s)) << int(bad);
  }
}

TEST(Sha256, IsSha256HexAcceptsEveryHexDigit) {
  const std::string digits = "0123456789abcdefABCDEF";
  std::string s(64, '0');
  for (char c : digits) {
    s[63] = c;
    EXPECT_TRUE(is_sha256_hex(s)) << c;
    EXPECT_TRUE(sha256_from_hex(s)) << c;
  }
  // Every byte value: hex digits and nothing else.
  for (int c = 0; c < 256; ++c) {
    s[0] = static_cast<char>(c);
    EXPECT_EQ(is_sha256_hex(s), digits.find(static_cast<char>(c)) != std::string::npos) << c;
  }
}

TEST(Sha256, HexOfEveryByteValue) {
  // The hex text is written through a table of byte pairs: digests of enough fixed inputs hold every byte
  // value (checked below), and each is compared with the nibble-by-nibble rendering.
  bool seen[256] = {};
  for (int i = 0; i < 512; ++i) {
    const std::string hex = sha256_hex(std::string(static_cast<size_t>(i), 'x'));
    const auto bytes = sha256_from_hex(hex);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(hex_of(*bytes), hex);
    for (unsigned char b : *bytes) seen[b] = true;
  }
  for (int b = 0; b < 256; ++b) EXPECT_TRUE(seen[b]) << b;
}

TEST(Sha256, FromHexReadsEveryByteValue) {
  for (int first = 0; first < 256; first += 32) {
    Sha256Digest want{};
    for (int i = 0; i < 32; ++i) want[i] = static_cast<unsigned char>(first + i);
    const auto got = sha256_from_hex(hex_of(want));
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, want);
  }
}

}  // namespace
}  // namespace fanout
