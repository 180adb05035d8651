#include "identity/phone.h"

#include <gtest/gtest.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <random>
#include <string>

namespace fanout::identity {
namespace {

// Intake loads the metadata at startup; loading it (again) must leave parsing as it was, libphonenumber's
// logger muted included (the muting happens on the same first use).
TEST(PhoneE164, LoadingMetadataAheadChangesNothing) {
  load_phone_metadata();
  load_phone_metadata();
  EXPECT_EQ(phone_e164("07911 123456", "GB"), "+447911123456");
  EXPECT_EQ(phone_e164("+33 6 12 34 56 78", ""), "+33612345678");
}

TEST(PhoneE164, NationalNumbersGetTheRegionsCountryCode) {
  EXPECT_EQ(phone_e164("(650) 555-1212", "US"), "+16505551212");
  EXPECT_EQ(phone_e164("07911 123456", "GB"), "+447911123456");  // UK trunk 0 dropped
  EXPECT_EQ(phone_e164("06 1234 5678", "IT"), "+390612345678");  // Italy keeps its leading 0
  EXPECT_EQ(phone_e164("030 12345678", "DE"), "+493012345678");
  EXPECT_EQ(phone_e164("(11) 91234-5678", "BR"), "+5511912345678");
  EXPECT_EQ(phone_e164("098765 43210", "IN"), "+919876543210");
}

TEST(PhoneE164, RegionIsCaseInsensitive) {
  EXPECT_EQ(phone_e164("07911 123456", "gb"), "+447911123456");
}

TEST(PhoneE164, InternationalFormsIgnoreTheRegion) {
  EXPECT_EQ(phone_e164("+44 7911 123456", "US"), "+447911123456");
  EXPECT_EQ(phone_e164("0044 7911 123456", "US"), "+447911123456");  // US dials 011, yet "00" means international
  EXPECT_EQ(phone_e164("+1 (425) 555-1234", ""), "+14255551234");
  EXPECT_EQ(phone_e164("  +39 06 1234 5678 ", "GB"), "+390612345678");
}

TEST(PhoneE164, UnknownRegionStillParsesInternationalNumbers) {
  EXPECT_EQ(phone_e164("+49 30 12345678", "XX"), "+493012345678");
}

TEST(PhoneE164, CountryCodeWithoutPlusIsRecognised) {
  EXPECT_EQ(phone_e164("1 650 555 1212", "US"), "+16505551212");
}

TEST(PhoneE164, GarbageIsDropped) {
  EXPECT_EQ(phone_e164("", "US"), std::nullopt);
  EXPECT_EQ(phone_e164("n/a", "US"), std::nullopt);
  EXPECT_EQ(phone_e164("12345", "US"), std::nullopt);                 // too short even for the fallback
  EXPECT_EQ(phone_e164("+1234567890123456789", "US"), std::nullopt);  // more than 15 digits
  EXPECT_EQ(phone_e164(std::string(100, '1'), "US"), std::nullopt);
}

TEST(PhoneE164, FallbackKeepsDigitsWhenLibphonenumberRejectsTheNumber) {
  // +999 is no assigned country code: libphonenumber refuses it, the fallback keeps the digits as sent.
  EXPECT_EQ(phone_e164("+999 1234 5678", "US"), "+99912345678");
  // 8 digits is not a possible French number; as a national-length number it gets France's code in front.
  EXPECT_EQ(phone_e164("12 34 56 78", "FR"), "+3312345678");
  // Longer than a national number, it is read as already carrying a country code.
  EXPECT_EQ(phone_e164("65055512123", "US"), "+65055512123");
  // Unknown region and no '+': the digits are taken as country code + number (Meta's rule), zeros dropped.
  EXPECT_EQ(phone_e164("0 4930 1234 5678", "ZZ"), "+493012345678");
}

TEST(PhoneDigits, IsE164WithoutPlus) {
  EXPECT_EQ(phone_digits("(650)555-1212", "US"), "16505551212");
  EXPECT_EQ(phone_digits("07911 123456", "GB"), "447911123456");
  EXPECT_EQ(phone_digits("bogus", "GB"), std::nullopt);
}

// What libphonenumber itself makes of a number, the way phone_e164 asks it (Parse, possible, E.164).
std::optional<std::string> libphonenumber_e164(const std::string& text, const std::string& region) {
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber number;
  if (util.Parse(text, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR || !util.IsPossibleNumber(number)) {
    return std::nullopt;
  }
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

// NANP numbers already in E.164 skip libphonenumber: for every area code and every first digit of
// the exchange (with random line numbers), the answer is libphonenumber's, whatever the region.
TEST(PhoneE164, NanpNumbersInE164AreWhatLibphonenumberMakesOfThem) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> digit(0, 9);
  for (int area = 200; area <= 999; ++area) {
    for (int exchange = 0; exchange <= 9; ++exchange) {
      std::string number = "+1" + std::to_string(area) + std::to_string(exchange);
      for (int i = 0; i < 6; ++i) number += static_cast<char>('0' + digit(rng));
      const std::string region = exchange % 2 ? "US" : "GB";
      ASSERT_EQ(libphonenumber_e164(number, region), number) << number;
      ASSERT_EQ(phone_e164(number, region), number) << number;
      ASSERT_EQ(phone_e164("00" + number.substr(1), region), number) << number;
      ASSERT_EQ(phone_digits(" " + number + " ", ""), number.substr(1)) << number;
    }
  }
}

// The same numbers with punctuation, a national prefix, or none (national, for US and CA) also skip
// libphonenumber: the answers are libphonenumber's for every area code and exchange digit.
TEST(PhoneE164, FormattedNanpNumbersAreWhatLibphonenumberMakesOfThem) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> digit(0, 9);
  for (int area = 200; area <= 999; ++area) {
    for (int exchange = 0; exchange <= 9; ++exchange) {
      std::string line;
      for (int i = 0; i < 4; ++i) line += static_cast<char>('0' + digit(rng));
      const std::string a = std::to_string(area), e = std::to_string(exchange) + std::to_string(digit(rng)) +
                                                      std::to_string(digit(rng));
      const std::string expected = "+1" + a + e + line;
      const std::string region = exchange % 2 ? "US" : "CA";
      const std::string forms[] = {"(" + a + ") " + e + "-" + line, a + "." + e + "." + line,
                                   "1 " + a + " " + e + " " + line, "+1 (" + a + ") " + e + "-" + line,
                                   "1-" + a + "-" + e + "-" + line};
      const std::string& form = forms[(area + exchange) % 5];
      ASSERT_EQ(libphonenumber_e164(form, region), expected) << form << " in " << region;
      ASSERT_EQ(phone_e164(form, region), expected) << form << " in " << region;
    }
  }
}

// National NANP-looking numbers outside US and CA, and forms the fast path does not take (an extension,
// letters, a "1" after +1), get libphonenumber's answer.
TEST(PhoneE164, OtherFormattedNumbersAreLeftToLibphonenumber) {
  for (const auto& [number, region] : std::vector<std::pair<std::string, std::string>>{
           {"(876) 555-1212", "JM"}, {"555-1212", "JM"}, {"(650) 555-1212", "GB"}, {"650 555 1212 ext. 7", "US"},
           {"+1 1 650 555 1212", "US"}, {"1 (150) 555-1212", "US"}, {"(650) 555-121", "US"}}) {
    const std::optional<std::string> expected = libphonenumber_e164(number, region);
    if (expected) EXPECT_EQ(phone_e164(number, region), expected) << number << " in " << region;
    else EXPECT_NE(phone_e164(number, region), std::optional<std::string>("+1" + number)) << number;
  }
}

// Near misses of that form still go to libphonenumber (a "1" national prefix after +1, an area code
// starting 0 or 1, spaces and punctuation): same answers as libphonenumber gives.
TEST(PhoneE164, NearNanpFormsAreLeftToLibphonenumber) {
  for (const std::string number : {"+116505551212", "+10505551212", "+11505551212", "+1 650 555 1212", "+1650-555-1212",
                                   "+1(650)5551212"}) {
    const std::optional<std::string> expected = libphonenumber_e164(number, "US");
    ASSERT_TRUE(expected.has_value()) << number << ": libphonenumber takes it";
    EXPECT_EQ(phone_e164(number, "US"), expected) << number;
  }
  EXPECT_EQ(phone_e164("+116505551212", "US"), "+16505551212");  // the national prefix "1" is dropped
}

// A number too short or too long for NANP after +1 is one libphonenumber refuses: the fallback keeps the
// digits as sent, as for any number it refuses (FallbackKeepsDigitsWhenLibphonenumberRejectsTheNumber).
TEST(PhoneE164, NanpLengthMissesTakeTheFallback) {
  for (const std::string number : {"+1650555121", "+165055512123"}) {
    EXPECT_EQ(libphonenumber_e164(number, "US"), std::nullopt) << number << ": libphonenumber refuses it";
    EXPECT_EQ(phone_e164(number, "US"), number);
  }
}

}  // namespace
}  // namespace fanout::identity
