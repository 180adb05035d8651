#include "identity/person.h"

#include <gtest/gtest.h>

namespace fanout::identity {
namespace {

TEST(Gender, Synonyms) {
  for (const char* f : {"f", "F", "female", "Female", " WOMAN "}) EXPECT_EQ(normalize_gender(f), "f") << f;
  for (const char* m : {"m", "M", "male", "MALE", "man"}) EXPECT_EQ(normalize_gender(m), "m") << m;
}

TEST(Gender, AnythingElseIsDropped) {
  for (const char* other : {"", "x", "non-binary", "unknown", "fem"}) EXPECT_EQ(normalize_gender(other), "") << other;
}

TEST(DateOfBirth, AcceptedFormats) {
  EXPECT_EQ(normalize_date_of_birth("1997-02-16", 2030), "19970216");
  EXPECT_EQ(normalize_date_of_birth("19970216", 2030), "19970216");
  EXPECT_EQ(normalize_date_of_birth("2/16/1997", 2030), "19970216");   // Meta's example, US order
  EXPECT_EQ(normalize_date_of_birth("16.02.1997", 2030), "19970216");  // dotted: day first
  EXPECT_EQ(normalize_date_of_birth("16/02/1997", 2030), "19970216");  // 16 cannot be a month
  EXPECT_EQ(normalize_date_of_birth("1997/2/6", 2030), "19970206");
  EXPECT_EQ(normalize_date_of_birth(" 1997-02-16T00:00:00Z ", 2030), "19970216");
}

TEST(DateOfBirth, AmbiguousSlashDatesAreMonthFirst) {
  EXPECT_EQ(normalize_date_of_birth("03/04/1990", 2030), "19900304");
  EXPECT_EQ(normalize_date_of_birth("03.04.1990", 2030), "19900403");
}

TEST(DateOfBirth, InvalidDatesAreDropped) {
  for (const char* bad : {"", "1997-02-30", "1997-13-01", "2/30/1997", "31.04.1990", "1899-12-31", "2031-01-01",
                          "97-02-16", "Feb 16 1997", "1997-02/16", "16021997", "1997021", "hello"}) {
    EXPECT_EQ(normalize_date_of_birth(bad, 2030), "") << bad;
  }
}

TEST(DateOfBirth, LeapDays) {
  EXPECT_EQ(normalize_date_of_birth("2000-02-29", 2030), "20000229");
  EXPECT_EQ(normalize_date_of_birth("1900-02-29", 2030), "");
}

TEST(DateOfBirth, DefaultUpperBoundIsThisYear) {
  EXPECT_EQ(normalize_date_of_birth("1997-02-16"), "19970216");
  EXPECT_EQ(normalize_date_of_birth("3000-01-01"), "");
}

TEST(ExternalId, TrimmedAndLowercasedForHashing) {
  EXPECT_EQ(trim_external_id("  CRM-User-42 \n"), "CRM-User-42");
  EXPECT_EQ(normalize_external_id("  CRM-User-42 \n"), "crm-user-42");
}

}  // namespace
}  // namespace fanout::identity
