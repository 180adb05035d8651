#include "ingest/signature.h"

#include <gtest/gtest.h>

#include "core/sha256.h"

namespace fanout::ingest {
namespace {

const std::string kBody = R"({"event_id":"e1","event_name":"purchase"})";

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(Signature, AcceptsLowercaseHexHmacOfTheBody) {
  std::string sig = hmac_sha256_hex("secret", kBody);
  EXPECT_TRUE(verify_signature(sig, kBody, {"secret"}));
}

TEST(Signature, MatchesAKnownHmacVector) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  const std::string expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  EXPECT_EQ(sign_body("what do ya want for nothing?", "Jefe"), expected);
  EXPECT_TRUE(verify_signature(expected, "what do ya want for nothing?", {"Jefe"}));
}

TEST(Signature, AcceptsTheSha256PrefixAndUppercaseHex) {
  std::string sig = hmac_sha256_hex("secret", kBody);
  EXPECT_TRUE(verify_signature("sha256=" + sig, kBody, {"secret"}));
  EXPECT_TRUE(verify_signature("SHA256=" + upper(sig), kBody, {"secret"}));
  EXPECT_TRUE(verify_signature("  " + sig + " ", kBody, {"secret"}));
}

TEST(Signature, RejectsAWrongSignatureOrBody) {
  std::string sig = hmac_sha256_hex("secret", kBody);
  EXPECT_FALSE(verify_signature(hmac_sha256_hex("other", kBody), kBody, {"secret"}));
  EXPECT_FALSE(verify_signature(sig, kBody + " ", {"secret"}));
  std::string flipped = sig;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(verify_signature(flipped, kBody, {"secret"}));
  EXPECT_FALSE(verify_signature(sig.substr(0, 63), kBody, {"secret"}));
  EXPECT_FALSE(verify_signature("sha1=" + sig, kBody, {"secret"}));
}

TEST(Signature, RejectsMissingSignatureAndEmptySecrets) {
  EXPECT_FALSE(verify_signature("", kBody, {"secret"}));
  EXPECT_FALSE(verify_signature("sha256=", kBody, {"secret"}));
  // No configured secret can never be matched, not even by the HMAC under an empty key.
  EXPECT_FALSE(verify_signature(hmac_sha256_hex("", kBody), kBody, {}));
  EXPECT_FALSE(verify_signature(hmac_sha256_hex("", kBody), kBody, {""}));
}

TEST(Signature, AnyRotatedSecretMatches) {
  std::vector<std::string> secrets{"old", "new"};
  EXPECT_TRUE(verify_signature(hmac_sha256_hex("old", kBody), kBody, secrets));
  EXPECT_TRUE(verify_signature(hmac_sha256_hex("new", kBody), kBody, secrets));
  EXPECT_FALSE(verify_signature(hmac_sha256_hex("retired", kBody), kBody, secrets));
}

TEST(Bearer, MatchesOnlyTheExactToken) {
  EXPECT_TRUE(bearer_matches("Bearer tok-123", "tok-123"));
  EXPECT_TRUE(bearer_matches("bearer tok-123", "tok-123"));
  EXPECT_FALSE(bearer_matches("Bearer tok-12", "tok-123"));
  EXPECT_FALSE(bearer_matches("Bearer tok-1234", "tok-123"));
  EXPECT_FALSE(bearer_matches("tok-123", "tok-123"));
  EXPECT_FALSE(bearer_matches("Basic tok-123", "tok-123"));
  EXPECT_FALSE(bearer_matches("", "tok-123"));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));
}

}  // namespace
}  // namespace fanout::ingest
