#include "identity/country.h"

#include <gtest/gtest.h>

#include "identity/identity.h"

namespace fanout::identity {
namespace {

TEST(CountryCode, Alpha2CodesAnyCase) {
  EXPECT_EQ(country_code("US"), "US");
  EXPECT_EQ(country_code("gb"), "GB");
  EXPECT_EQ(country_code(" de "), "DE");
  EXPECT_EQ(country_code("XX"), "");  // not assigned
}

TEST(CountryCode, CommonNamesAndAliases) {
  EXPECT_EQ(country_code("United States"), "US");
  EXPECT_EQ(country_code("USA"), "US");
  EXPECT_EQ(country_code("U.S."), "US");
  EXPECT_EQ(country_code("united states of america"), "US");
  EXPECT_EQ(country_code("United Kingdom"), "GB");
  EXPECT_EQ(country_code("UK"), "GB");
  EXPECT_EQ(country_code("Great Britain"), "GB");
  EXPECT_EQ(country_code("England"), "GB");
  EXPECT_EQ(country_code("Deutschland"), "DE");
  EXPECT_EQ(country_code("Brasil"), "BR");
  EXPECT_EQ(country_code("The Netherlands"), "NL");
  EXPECT_EQ(country_code("South Korea"), "KR");
  EXPECT_EQ(country_code("Russia"), "RU");
}

TEST(CountryCode, AccentsPunctuationAndAlpha3) {
  EXPECT_EQ(country_code("Côte d'Ivoire"), "CI");
  EXPECT_EQ(country_code("Cote dIvoire"), "CI");
  EXPECT_EQ(country_code("Bosnia-and-Herzegovina"), "BA");
  EXPECT_EQ(country_code("Türkiye"), "TR");
  EXPECT_EQ(country_code("FRA"), "FR");
  EXPECT_EQ(country_code("ind"), "IN");
}

TEST(CountryCode, UnknownIsEmpty) {
  EXPECT_EQ(country_code(""), "");
  EXPECT_EQ(country_code("Atlantis"), "");
  EXPECT_EQ(country_code(std::string(500, 'a')), "");
}

TEST(CountryCode, CoversEveryIso3166Code) {
  // Spot-check across the table, including small territories.
  for (const char* code : {"AD", "AQ", "AX", "BQ", "BV", "CW", "EH", "GS", "HM", "IO", "PN", "SJ", "SX", "TF", "UM",
                           "VA", "WF", "YT", "ZW"}) {
    EXPECT_EQ(country_code(code), code);
  }
}

TEST(NormalizeCountry, LowercaseAlpha2) {
  EXPECT_EQ(normalize_country("United States"), "us");
  EXPECT_EQ(normalize_country("Italy"), "it");
  EXPECT_EQ(normalize_country("Nowhere"), "");
}

TEST(CountryKey, FoldsSpellings) {
  EXPECT_EQ(country_key("U.S.A."), "usa");
  EXPECT_EQ(country_key("  The  Bahamas "), "bahamas");
}

}  // namespace
}  // namespace fanout::identity
