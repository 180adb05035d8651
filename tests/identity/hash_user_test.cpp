#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/sha256.h"
#include "identity/identity.h"

namespace fanout::identity {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Known-good SHA-256 values, computed independently (Python hashlib) and published in the platforms' documentation.
constexpr const char* kJohnSmithGmail = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f";
constexpr const char* kPhoneDigits = "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176";  // 16505551212
constexpr const char* kPhoneE164 = "1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8";  // +16505551212
constexpr const char* kMary = "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec";
constexpr const char* kValery = "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c";
constexpr const char* kJeong = "8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14";  // 정
constexpr const char* kUs = "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621";
constexpr const char* kDob = "01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c";  // 19970216
constexpr const char* kJohnContoso = "ec81f3ac7b2b19675bab9d54cf416f9f18cff87c97da5cca82c0f0891bc40602";
constexpr const char* kMsPhone = "c59475d96e9f01d7d18d06cfad84dd02333207f02c0c2c5663ef2782cda0390e";  // +14255551234
constexpr const char* kNewYork = "350c754ba4d38897693aa077ef43072a859d23f613443133fecbbd90a3512ca5";
constexpr const char* kCa = "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126";
constexpr const char* kZip = "1794327a4d443904421f5ca1f3d72d0a62ba2f0770d80755ec2220fc0efb052e";  // 94035
constexpr const char* kF = "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111";
constexpr const char* kCloudyGoogle = "223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4";
constexpr const char* kUserNameNyc = "f109a2a632fbcea5fc82049f50beed3d8621bf9034399f437fb622222acccdac";

HashedUser hash(const RawUser& raw, std::string default_region = "US") {
  return hash_user(raw, Options{std::move(default_region)});
}

TEST(HashUser, MetaPublishedVectors) {
  RawUser raw;
  raw.email = {"  John_Smith@gmail.com "};
  raw.phone = {"(650)555-1212"};
  raw.first_name = "Mary";
  raw.last_name = "Valéry";
  raw.city = "New York";
  raw.state = "California";
  raw.zip = "94035-1234";
  raw.country = "United States";
  raw.gender = "Female";
  raw.date_of_birth = "2/16/1997";
  const HashedUser u = hash(raw);
  EXPECT_THAT(u.email_lower_sha256, ElementsAre(kJohnSmithGmail));
  EXPECT_THAT(u.phone_digits_sha256, ElementsAre(kPhoneDigits));
  EXPECT_THAT(u.phone_e164_sha256, ElementsAre(kPhoneE164));
  EXPECT_EQ(u.first_name_sha256, kMary);
  EXPECT_EQ(u.last_name_sha256, kValery);
  EXPECT_EQ(u.city_sha256, kNewYork);
  EXPECT_EQ(u.state_sha256, kCa);
  EXPECT_EQ(u.zip_sha256, kZip);
  EXPECT_EQ(u.country_sha256, kUs);
  EXPECT_EQ(u.gender_sha256, kF);
  EXPECT_EQ(u.date_of_birth_sha256, kDob);
}

TEST(HashUser, NonLatinNameVector) {
  RawUser raw;
  raw.first_name = "정";
  EXPECT_EQ(hash(raw).first_name_sha256, kJeong);
  EXPECT_EQ(hash(raw).first_name_words_sha256, kJeong);
}

TEST(HashUser, MicrosoftPublishedVectors) {
  RawUser raw;
  raw.email = {"John@Contoso.com"};
  raw.phone = {"+1 425 555 1234"};
  const HashedUser u = hash(raw);
  EXPECT_THAT(u.email_no_dots_tag_sha256, ElementsAre(kJohnContoso));
  EXPECT_THAT(u.phone_e164_sha256, ElementsAre(kMsPhone));
}

TEST(HashUser, EmailVariantsDiffer) {
  RawUser raw;
  raw.email = {"Cloudy.SanFrancisco+shopping@gmail.com"};
  const HashedUser u = hash(raw);
  EXPECT_THAT(u.email_lower_sha256, ElementsAre(sha256_hex("cloudy.sanfrancisco+shopping@gmail.com")));
  EXPECT_THAT(u.email_gmail_sha256, ElementsAre(kCloudyGoogle));
  EXPECT_THAT(u.email_no_dots_tag_sha256, ElementsAre(kCloudyGoogle));

  raw.email = {"user.name+NYC@Example.com"};
  EXPECT_THAT(hash(raw).email_gmail_sha256, ElementsAre(kUserNameNyc));
}

TEST(HashUser, PhoneRegionComesFromTheUsersCountry) {
  RawUser raw;
  raw.phone = {"07911 123456"};
  raw.country = "United Kingdom";
  HashedUser u = hash(raw);
  EXPECT_THAT(u.phone_e164_sha256, ElementsAre(sha256_hex("+447911123456")));
  EXPECT_THAT(u.phone_digits_sha256, ElementsAre(sha256_hex("447911123456")));

  raw.country.clear();  // falls back to Options::default_region
  u = hash(raw, "GB");
  EXPECT_THAT(u.phone_e164_sha256, ElementsAre(sha256_hex("+447911123456")));
  raw.phone = {"06 1234 5678"};
  EXPECT_THAT(hash(raw, "IT").phone_e164_sha256, ElementsAre(sha256_hex("+390612345678")));
}

TEST(HashUser, MultipleEmailsAndPhonesKeepOrderAndDropDuplicates) {
  RawUser raw;
  raw.email = {"a@example.com", "B@example.com", " A@EXAMPLE.COM ", "invalid"};
  raw.phone = {"+1 650 555 1212", "(650) 555-1212", "+1 425 555 1234"};
  const HashedUser u = hash(raw);
  EXPECT_THAT(u.email_lower_sha256, ElementsAre(sha256_hex("a@example.com"), sha256_hex("b@example.com")));
  EXPECT_EQ(u.email_gmail_sha256.size(), 2u);
  EXPECT_THAT(u.phone_e164_sha256, ElementsAre(kPhoneE164, kMsPhone));
  EXPECT_THAT(u.phone_digits_sha256, ElementsAre(kPhoneDigits, sha256_hex("14255551234")));
}

TEST(HashUser, GmailDuplicatesCollapseOnlyForGoogleAndMicrosoftCapi) {
  RawUser raw;
  raw.email = {"jane.doe@gmail.com", "janedoe@gmail.com"};
  const HashedUser u = hash(raw);
  EXPECT_EQ(u.email_lower_sha256.size(), 2u);
  EXPECT_EQ(u.email_gmail_sha256.size(), 1u);
  EXPECT_EQ(u.email_no_dots_tag_sha256.size(), 1u);
}

TEST(HashUser, PreHashedValuesPassThroughLowercased) {
  const std::string upper = "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789";
  const std::string lower = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  RawUser raw;
  raw.email = {upper};
  raw.phone = {" " + upper + " "};
  raw.first_name = raw.last_name = raw.city = raw.state = raw.zip = upper;
  raw.country = raw.gender = raw.date_of_birth = raw.external_id = upper;
  const HashedUser u = hash(raw);
  // A hash in `email` is the lowercase rule's, one in `phone` is E.164 with '+': no other rule gets them.
  EXPECT_THAT(u.email_lower_sha256, ElementsAre(lower));
  EXPECT_THAT(u.phone_e164_sha256, ElementsAre(lower));
  EXPECT_THAT(u.email_gmail_sha256, IsEmpty());
  EXPECT_THAT(u.email_no_dots_tag_sha256, IsEmpty());
  EXPECT_THAT(u.phone_digits_sha256, IsEmpty());
  for (const std::string* field :
       {&u.first_name_sha256, &u.last_name_sha256, &u.first_name_words_sha256, &u.last_name_words_sha256,
        &u.city_sha256, &u.state_sha256, &u.zip_sha256, &u.country_sha256, &u.gender_sha256, &u.date_of_birth_sha256,
        &u.external_id_sha256}) {
    EXPECT_EQ(*field, lower);
  }
  // A hash is not a city or a postal code: nothing in the clear.
  EXPECT_EQ(u.city, "");
  EXPECT_EQ(u.region, "");
  EXPECT_EQ(u.postal_code, "");
  EXPECT_EQ(u.country, "");
}

// Callers say which rule their hash follows (user.sha256.<rule>); each lands in that rule's field only.
TEST(HashUser, PreHashedPerRuleFillOnlyTheirRule) {
  const std::string a(64, 'a'), b(64, 'b'), c(64, 'c'), d(64, 'd'), e(64, 'e');
  RawUser raw;
  raw.sha256.email_lower = {a};
  raw.sha256.email_gmail = {b};
  raw.sha256.email_no_dots_tag = {c};
  raw.sha256.phone_e164 = {d};
  raw.sha256.phone_digits = {"EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE"};
  raw.email = {"jane@example.com"};
  const HashedUser u = hash(raw);
  EXPECT_THAT(u.email_lower_sha256, ElementsAre(sha256_hex("jane@example.com"), a));
  EXPECT_THAT(u.email_gmail_sha256, ElementsAre(sha256_hex("jane@example.com"), b));
  EXPECT_THAT(u.email_no_dots_tag_sha256, ElementsAre(sha256_hex("jane@example.com"), c));
  EXPECT_THAT(u.phone_e164_sha256, ElementsAre(d));
  EXPECT_THAT(u.phone_digits_sha256, ElementsAre(e));
}

TEST(HashUser, InvalidValuesAreDropped) {
  RawUser raw;
  raw.email = {"not-an-email", "", "   "};
  raw.phone = {"call me", "123"};
  raw.gender = "other";
  raw.date_of_birth = "1997-02-30";
  raw.country = "Atlantis";
  raw.first_name = "...";
  const HashedUser u = hash(raw);
  EXPECT_THAT(u.email_lower_sha256, IsEmpty());
  EXPECT_THAT(u.email_gmail_sha256, IsEmpty());
  EXPECT_THAT(u.email_no_dots_tag_sha256, IsEmpty());
  EXPECT_THAT(u.phone_digits_sha256, IsEmpty());
  EXPECT_THAT(u.phone_e164_sha256, IsEmpty());
  EXPECT_EQ(u.gender_sha256, "");
  EXPECT_EQ(u.date_of_birth_sha256, "");
  EXPECT_EQ(u.country_sha256, "");
  EXPECT_EQ(u.country, "");
  EXPECT_EQ(u.first_name_sha256, "");
  EXPECT_EQ(u.first_name_words_sha256, "");
}

TEST(HashUser, EmptyUserGivesEmptyHashedUser) {
  const HashedUser u = hash(RawUser{});
  EXPECT_THAT(u.email_lower_sha256, IsEmpty());
  EXPECT_THAT(u.phone_e164_sha256, IsEmpty());
  EXPECT_EQ(u.first_name_sha256, "");
  EXPECT_EQ(u.external_id_sha256, "");
  EXPECT_EQ(u.external_id, "");
  EXPECT_EQ(u.city, "");
}

TEST(HashUser, GoogleNameRuleDiffersFromMeta) {
  RawUser raw;
  raw.first_name = " Mary  Ann ";
  const HashedUser u = hash(raw);
  EXPECT_EQ(u.first_name_sha256, sha256_hex("maryann"));
  EXPECT_EQ(u.first_name_words_sha256, sha256_hex("mary ann"));
}

TEST(HashUser, PlainAddressFields) {
  RawUser raw;
  raw.city = "  San   Francisco ";
  raw.state = " CA ";
  raw.zip = "M1 1AE";
  raw.country = "uk";
  const HashedUser u = hash(raw);
  EXPECT_EQ(u.city, "san francisco");
  EXPECT_EQ(u.region, "ca");
  EXPECT_EQ(u.postal_code, "M1 1AE");  // Google: the postal code as written; Meta's zp below is compact
  EXPECT_EQ(u.country, "gb");
  EXPECT_EQ(u.zip_sha256, sha256_hex("m11ae"));
  EXPECT_EQ(u.city_sha256, sha256_hex("sanfrancisco"));
  EXPECT_EQ(u.state_sha256, sha256_hex("ca"));
  EXPECT_EQ(u.country_sha256, sha256_hex("gb"));
}

TEST(HashUser, ExternalId) {
  RawUser raw;
  raw.external_id = "  CRM-User-42 ";
  const HashedUser u = hash(raw);
  EXPECT_EQ(u.external_id, "CRM-User-42");
  EXPECT_EQ(u.external_id_sha256, sha256_hex("crm-user-42"));
}

TEST(HashUser, NoRawPersonalDataSurvives) {
  RawUser raw;
  raw.email = {"secret.person@example.com"};
  raw.phone = {"+44 7911 123456"};
  raw.first_name = "Secretname";
  raw.last_name = "Hiddenlast";
  const HashedUser u = hash(raw);
  for (const auto* list : {&u.email_lower_sha256, &u.email_gmail_sha256, &u.email_no_dots_tag_sha256,
                           &u.phone_digits_sha256, &u.phone_e164_sha256}) {
    ASSERT_EQ(list->size(), 1u);
    EXPECT_TRUE(is_sha256_hex(list->front()));
  }
  EXPECT_TRUE(is_sha256_hex(u.first_name_sha256));
  EXPECT_TRUE(is_sha256_hex(u.last_name_words_sha256));
}

TEST(HashUser, OversizedValuesAreDropped) {
  RawUser raw;
  raw.email = {std::string(2000, 'a') + "@example.com"};
  raw.first_name = std::string(5000, 'x');
  raw.external_id = std::string(5000, 'x');
  const HashedUser u = hash(raw);
  EXPECT_THAT(u.email_lower_sha256, IsEmpty());
  EXPECT_EQ(u.first_name_sha256, "");
  EXPECT_EQ(u.external_id, "");
}

}  // namespace
}  // namespace fanout::identity
