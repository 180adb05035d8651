#include "identity/address.h"

#include <gtest/gtest.h>

namespace fanout::identity {
namespace {

TEST(CityMeta, NoSpacesPunctuationOrDigits) {
  EXPECT_EQ(normalize_city_meta("New York"), "newyork");
  EXPECT_EQ(normalize_city_meta("  St. Louis 2 "), "stlouis");
  EXPECT_EQ(normalize_city_meta("PARIS"), "paris");
}

TEST(CityMeta, KeepsUtf8Letters) {
  EXPECT_EQ(normalize_city_meta("São Paulo"), "sãopaulo");
  EXPECT_EQ(normalize_city_meta("Москва"), "москва");
  EXPECT_EQ(normalize_city_meta("東京"), "東京");
}

TEST(CityPlain, LowercaseTrimmedSingleSpaces) {
  EXPECT_EQ(normalize_city("  New   York "), "new york");
  EXPECT_EQ(normalize_city("SÃO PAULO"), "são paulo");
}

TEST(StateMeta, UsFullNamesBecomeCodes) {
  EXPECT_EQ(normalize_state_meta("California", "US"), "ca");
  EXPECT_EQ(normalize_state_meta("new york", "us"), "ny");
  EXPECT_EQ(normalize_state_meta("District of Columbia", ""), "dc");
  EXPECT_EQ(normalize_state_meta("AZ", "US"), "az");
}

TEST(StateMeta, NonUsStatesKeepTheirNames) {
  EXPECT_EQ(normalize_state_meta("Île-de-France", "FR"), "îledefrance");
  EXPECT_EQ(normalize_state_meta("New South Wales", "AU"), "newsouthwales");
  EXPECT_EQ(normalize_state_meta("Georgia", "GE"), "georgia");  // the country's region, not the US state
}

TEST(RegionPlain, LowercaseTrimmed) {
  EXPECT_EQ(normalize_region("  CA "), "ca");
  EXPECT_EQ(normalize_region("Île-de-France"), "îledefrance");
}

// GA4 user_data.address: city and region without digits and symbols (Google's Measurement Protocol guide).
TEST(CityPlain, GoogleRuleRemovesDigitsAndSymbols) {
  EXPECT_EQ(normalize_city("St. Louis"), "st louis");
  EXPECT_EQ(normalize_city("Newcastle-upon-Tyne"), "newcastleupontyne");
  EXPECT_EQ(normalize_region("Tyne & Wear"), "tyne wear");
  EXPECT_EQ(normalize_city("Paris 75001"), "paris");
}

// Google (Data Manager, GA4): the postal code as written, only trimmed ('.' and '~' removed): never another code.
TEST(PostalCodePlain, KeptAsWritten) {
  EXPECT_EQ(normalize_postal_code(" 1229-076 "), "1229-076");
  EXPECT_EQ(normalize_postal_code("NE1 4ST"), "NE1 4ST");
  EXPECT_EQ(normalize_postal_code("63101-1234"), "63101-1234");
  EXPECT_EQ(normalize_postal_code("A.1~2"), "A12");
}

TEST(Zip, UsIsCutToFiveDigits) {
  EXPECT_EQ(normalize_zip("94035-1234", "US"), "94035");
  EXPECT_EQ(normalize_zip(" 94035 ", "us"), "94035");
  EXPECT_EQ(normalize_zip("94035-1234", ""), "94035");  // unknown country, US shape
  EXPECT_EQ(normalize_zip("940351234", ""), "94035");
}

TEST(Zip, OtherCountriesKeepTheWholeCode) {
  EXPECT_EQ(normalize_zip("M1 1AE", "GB"), "m11ae");
  EXPECT_EQ(normalize_zip("SW1A 1AA", ""), "sw1a1aa");
  EXPECT_EQ(normalize_zip("110001", ""), "110001");  // Indian PIN: 6 digits, not a ZIP
  EXPECT_EQ(normalize_zip("01310-100", "BR"), "01310100");
  EXPECT_EQ(normalize_zip("75008", "FR"), "75008");
}

TEST(UsStateCode, NamesAndTerritories) {
  EXPECT_EQ(us_state_code("West Virginia"), "wv");
  EXPECT_EQ(us_state_code("Puerto Rico"), "pr");
  EXPECT_EQ(us_state_code("Narnia"), "");
}

}  // namespace
}  // namespace fanout::identity
