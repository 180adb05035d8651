#include "identity/country.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <sstream>

#include "identity/country_table.h"
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

TEST(CountryCode, SmallTerritories) {
  for (const char* code : {"AD", "AQ", "AX", "BQ", "BV", "CW", "EH", "GS", "HM", "IO", "PN", "SJ", "SX", "TF", "UM",
                           "VA", "WF", "YT", "ZW"}) {
    EXPECT_EQ(country_code(code), code);
  }
}

// Every entry of the iso-codes data the table is generated from (apt iso-codes; a build dependency) is
// found by its codes and names.
TEST(CountryCode, CoversEveryIso3166Entry) {
  std::ifstream in("/usr/share/iso-codes/json/iso_3166-1.json");
  ASSERT_TRUE(in) << "iso-codes is not installed (scripts/install-deps.sh)";
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& entries = doc["3166-1"];
  ASSERT_GE(entries.Size(), 249u);
  for (const auto& e : entries.GetArray()) {
    const std::string code = e["alpha_2"].GetString();
    EXPECT_EQ(country_code(code), code);
    EXPECT_EQ(country_code(e["alpha_3"].GetString()), code) << e["alpha_3"].GetString();
    EXPECT_EQ(country_code(e["name"].GetString()), code) << e["name"].GetString();
    for (const char* optional : {"official_name", "common_name"}) {
      if (e.HasMember(optional)) EXPECT_EQ(country_code(e[optional].GetString()), code) << e[optional].GetString();
    }
  }
}

// The table's keys are spelled by scripts/gen-country-table.py's Python twin of country_key(): every key
// must be what country_key() (ICU) makes of it, or that row could never be found. Sorted and unique too.
TEST(CountryTable, EveryKeyIsItsOwnCountryKey) {
  const auto& table = country_table::kCountries;
  ASSERT_GT(table.size(), 1000u);
  for (size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(country_key(table[i].key), table[i].key);
    EXPECT_EQ(country_code(std::string(table[i].key)), table[i].code) << table[i].key;
    if (i > 0) EXPECT_LT(table[i - 1].key, table[i].key);
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
