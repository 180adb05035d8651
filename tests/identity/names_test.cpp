#include "identity/names.h"

#include <gtest/gtest.h>

namespace fanout::identity {
namespace {

TEST(NameMeta, PublishedExamples) {
  EXPECT_EQ(normalize_name_meta("Mary"), "mary");
  EXPECT_EQ(normalize_name_meta("Valéry"), "valéry");
  EXPECT_EQ(normalize_name_meta("정"), "정");
}

TEST(NameMeta, RemovesPunctuationAndAllWhiteSpace) {
  EXPECT_EQ(normalize_name_meta("  O'Brien-Smith "), "obriensmith");
  EXPECT_EQ(normalize_name_meta("Mary Ann"), "maryann");
  EXPECT_EQ(normalize_name_meta("D’Angelo"), "dangelo");       // typographic apostrophe U+2019
  EXPECT_EQ(normalize_name_meta("Jean\u00A0Luc"), "jeanluc");  // no-break space
}

TEST(NameMeta, LowercasesLatinGreekAndCyrillic) {
  EXPECT_EQ(normalize_name_meta("ÉLODIE"), "élodie");
  EXPECT_EQ(normalize_name_meta("ŁUKASZ ŻÓŁKIEWSKI"), "łukaszżółkiewski");
  EXPECT_EQ(normalize_name_meta("ΑΛΈΞΗΣ"), "αλέξης");  // word-final sigma
  EXPECT_EQ(normalize_name_meta("ДМИТРИЙ"), "дмитрий");
  EXPECT_EQ(normalize_name_meta("ЁЖИК"), "ёжик");
}

TEST(NameMeta, NonLatinScriptsPassUnchanged) {
  EXPECT_EQ(normalize_name_meta("王小明"), "王小明");
  EXPECT_EQ(normalize_name_meta("김 민준"), "김민준");
  EXPECT_EQ(normalize_name_meta("محمد"), "محمد");
}

TEST(NameMeta, DecomposedInputIsComposed) {
  // "Vale" + COMBINING ACUTE ACCENT + "ry" hashes like the precomposed spelling.
  EXPECT_EQ(normalize_name_meta("Vale\u0301ry"), "valéry");
  EXPECT_EQ(normalize_name_meta("FRANC\u0327OIS"), "françois");
  EXPECT_EQ(normalize_name_meta("Mu\u0308ller"), "müller");
}

TEST(NameMeta, Latin1BytesAreReadAsLatin1) {
  EXPECT_EQ(normalize_name_meta("Val\xE9ry"), "valéry");
}

TEST(NameGoogle, LowercaseTrimNoDigitsOrSymbolsSingleSpaces) {
  EXPECT_EQ(normalize_name_words("  Mary   Ann 2nd "), "mary ann nd");
  EXPECT_EQ(normalize_name_words("O'Brien"), "obrien");
  EXPECT_EQ(normalize_name_words("Valéry"), "valéry");
  EXPECT_EQ(normalize_name_words("\tJOHN\n"), "john");
}

// Data Manager's formatting guide: given_name without prefixes such as "Mrs.", family_name without suffixes
// such as "Jr.".
TEST(NameWords, TitlesAndSuffixesAreDropped) {
  EXPECT_EQ(normalize_name_words("Mr. Alex"), "alex");
  EXPECT_EQ(normalize_name_words("Quinn, Jr."), "quinn");
  EXPECT_EQ(normalize_name_words("Dr Mary Ann Smith III"), "mary ann smith");
  EXPECT_EQ(normalize_name_words("Mr"), "mr");     // nothing else left: kept
  EXPECT_EQ(normalize_name_words("Junior"), "junior");
}

TEST(NameBothRules, NothingLeftMeansEmpty) {
  EXPECT_EQ(normalize_name_meta(" .,- "), "");
  EXPECT_EQ(normalize_name_words("123 !"), "");
}

}  // namespace
}  // namespace fanout::identity
