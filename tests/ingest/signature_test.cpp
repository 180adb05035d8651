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

// The HMAC context is reused per thread: each call must use its own key, an empty one included, and the
// digest must not depend on what was hashed before (values from `openssl dgst -sha256 -hmac`).
TEST(Signature, ReusedContextTakesEachCallsKey) {
  EXPECT_EQ(sign_body("hello", "k"), "406e4b43f87095aa86ca6299d25e875921fefa180f02043bb29bec5681c0c2d0");
  EXPECT_EQ(sign_body("hello", ""), "4352b26e33fe0d769a8922a6ba29004109f01688e26acc9e6cb347e5a5afc4da");
  EXPECT_EQ(sign_body("", "k"), "8bb990c40a7d61cb97597a942125025be50ac8beb74436e3735b98893a7f6620");
  EXPECT_EQ(sign_body("hello", std::string_view()), "4352b26e33fe0d769a8922a6ba29004109f01688e26acc9e6cb347e5a5afc4da");
  EXPECT_EQ(sign_body("what do ya want for nothing?", "Jefe"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// The context keeps its key between calls with the same key (intake's one secret): repeated, alternated
// and empty keys still give each call's own digest.
TEST(Signature, TheSameKeyAgainAndAnotherKeyBetween) {
  const std::string k_hello = "406e4b43f87095aa86ca6299d25e875921fefa180f02043bb29bec5681c0c2d0";
  const std::string empty_hello = "4352b26e33fe0d769a8922a6ba29004109f01688e26acc9e6cb347e5a5afc4da";
  const std::string k_empty = "8bb990c40a7d61cb97597a942125025be50ac8beb74436e3735b98893a7f6620";
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(sign_body("hello", "k"), k_hello);
    EXPECT_EQ(sign_body("hello", "k"), k_hello);
    EXPECT_EQ(sign_body("", "k"), k_empty);
    EXPECT_EQ(sign_body("hello", ""), empty_hello);
    EXPECT_EQ(sign_body("hello", ""), empty_hello);
    EXPECT_EQ(sign_body("hello", "k"), k_hello);
    EXPECT_EQ(sign_body("what do ya want for nothing?", "Jefe"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
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
