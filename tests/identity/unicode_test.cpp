#include "identity/unicode.h"

#include <gtest/gtest.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/unorm2.h>

namespace fanout::identity::unicode {
namespace {

std::string fold8(std::string_view s) {
  return encode_utf8(fold(s));
}

TEST(Unicode, Utf8RoundTrip) {
  const std::string text = "aé€😀정";
  const std::u32string cps = decode_utf8(text);
  EXPECT_EQ(cps, (std::u32string{U'a', 0xE9, 0x20AC, 0x1F600, 0xC815}));
  EXPECT_EQ(encode_utf8(cps), text);
}

TEST(Unicode, MalformedBytesAreReadAsLatin1) {
  EXPECT_EQ(decode_utf8("\xE9t\xE9"), (std::u32string{0xE9, U't', 0xE9}));
  EXPECT_EQ(decode_utf8("\xC0\xAF"), (std::u32string{0xC0, 0xAF}));                // overlong '/'
  EXPECT_EQ(decode_utf8("\xED\xA0\x80").size(), 3u);                               // surrogate
  EXPECT_EQ(decode_utf8("ab\xE2\x82"), (std::u32string{U'a', U'b', 0xE2, 0x82}));  // truncated
}

TEST(Unicode, ComposesCommonMarks) {
  EXPECT_EQ(fold8("e\u0301 e\u0300 e\u0308 n\u0303 c\u0327 a\u030A"), "é è ë ñ ç å");
  EXPECT_EQ(fold8("\u0435\u0308"), "ё");         // Cyrillic ie + diaeresis
  EXPECT_EQ(fold8("\u0438\u0306"), "й");         // Cyrillic i + breve
  EXPECT_EQ(fold8("\u03B1\u0301"), "ά");         // Greek alpha + acute (tonos)
  EXPECT_EQ(fold8("e\u0323\u0302"), "ệ");        // Vietnamese: dot below then circumflex
  EXPECT_EQ(fold8("\u110C\u1165\u11BC"), "정");  // Hangul jamo -> syllable
}

// NFC reorders marks by combining class before composing: below (220) comes before above (230), whatever
// order the CRM sent them in. Pairwise composition in the order sent left "a" + U+0306 + U+0323 alone.
TEST(Unicode, ComposesAfterCanonicalReordering) {
  EXPECT_EQ(fold8("a\u0306\u0323"), "\u1EB7");  // ặ
  EXPECT_EQ(fold8("a\u0323\u0306"), "\u1EB7");
  EXPECT_EQ(fold8("A\u0306\u0323"), "\u1EB7");  // composed, then lowercased
  EXPECT_EQ(fold8("\u212B"), "å");               // the Angstrom sign is a singleton: NFC is U+00C5
}

TEST(Unicode, LowercaseSpecialCases) {
  EXPECT_EQ(fold8("İ"), "i\u0307");            // full mapping, as JavaScript toLowerCase
  EXPECT_EQ(fold8("ΣΟΦΟΣ ΣΑΣ"), "σοφος σας");  // final sigma only at word ends
  EXPECT_EQ(fold8("ẞ"), "ß");
  EXPECT_EQ(fold8("ＡＢＣ"), "ａｂｃ");  // fullwidth
  EXPECT_EQ(fold8("ŸÆØÞ"), "ÿæøþ");
}

TEST(Unicode, CharacterClasses) {
  EXPECT_TRUE(is_space(U' '));
  EXPECT_TRUE(is_space(0x00A0));
  EXPECT_TRUE(is_space(0x3000));
  EXPECT_FALSE(is_space(U'a'));
  EXPECT_TRUE(is_punctuation_or_symbol(U'\''));
  EXPECT_TRUE(is_punctuation_or_symbol(0x2019));
  EXPECT_TRUE(is_punctuation_or_symbol(0x00A9));  // ©
  EXPECT_FALSE(is_punctuation_or_symbol(U'é'));
  EXPECT_FALSE(is_punctuation_or_symbol(0xC815));
  EXPECT_TRUE(is_digit(U'7'));
  EXPECT_TRUE(is_digit(0x0663));  // Arabic-Indic three
  EXPECT_FALSE(is_digit(U'x'));
}

TEST(Unicode, TrimAndCollapse) {
  EXPECT_EQ(encode_utf8(trim(U"\u00A0 a b \t")), "a b");
  EXPECT_EQ(encode_utf8(collapse_spaces(U"  a \t\n b  ")), "a b");
}

// compose() returns text below U+0300 as it is, without asking ICU: that is only right while every such
// code point is NFC on its own, has combining class 0 and is never the second half of a composition
// (NFC_Quick_Check = Yes: a second half would be Maybe).
TEST(Unicode, TextBelowU0300IsAlreadyNfc) {
  for (UChar32 c = 0; c < 0x300; ++c) {
    EXPECT_EQ(u_getIntPropertyValue(c, UCHAR_NFC_QUICK_CHECK), UNORM_YES) << std::hex << c;
    EXPECT_EQ(u_getCombiningClass(c), 0) << std::hex << c;
  }
}

// fold() and to_lower() take a one-pass path for pure ASCII: it must agree with ICU's lowercase.
TEST(Unicode, AsciiFoldMatchesIcu) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  for (const std::string& s : {all, std::string("Jane.Doe+X@Example.COM"), std::string("  SW1A 1AA "), std::string()}) {
    std::string expected;
    icu::UnicodeString::fromUTF8(s).toLower(icu::Locale::getRoot()).toUTF8String(expected);
    EXPECT_EQ(fold8(s), expected) << s;
    EXPECT_EQ(encode_utf8(to_lower(decode_utf8(s))), expected) << s;
  }
}

// to_lower() maps code point by code point unless U+0130 or a capital sigma is present: everywhere else
// that must be ICU's full lowercase mapping (root locale, as JavaScript's toLowerCase()).
TEST(Unicode, LowercaseMatchesIcuFullMappingEverywhere) {
  for (UChar32 c = 0x80; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    const std::u32string one(1, static_cast<char32_t>(c));
    std::string expected;
    icu::UnicodeString(c).toLower(icu::Locale::getRoot()).toUTF8String(expected);
    ASSERT_EQ(encode_utf8(to_lower(one)), expected) << std::hex << c;
  }
  for (const std::string s : {"ΣΟΦΟΣ ΣΑΣ", "İstanbul", "ΑΣ.", "Σ", "Ünïcödé ΣΑΣ İ"}) {
    std::string expected;
    icu::UnicodeString::fromUTF8(s).toLower(icu::Locale::getRoot()).toUTF8String(expected);
    EXPECT_EQ(fold8(s), expected) << s;
  }
}

// The classes match ICU's general categories over the whole code space (and the two invisible spaces).
TEST(Unicode, CharacterClassesMatchIcuEverywhere) {
  for (UChar32 c = 0; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    const auto cp = static_cast<char32_t>(c);
    const bool space = u_isUWhiteSpace(c) || c == 0x200B || c == 0xFEFF;
    ASSERT_EQ(is_space(cp), space) << std::hex << c;
    const uint32_t gc = U_GET_GC_MASK(c);
    ASSERT_EQ(is_punctuation_or_symbol(cp), (gc & (U_GC_P_MASK | U_GC_S_MASK)) || ((gc & U_GC_CC_MASK) && !space))
        << std::hex << c;
    ASSERT_EQ(is_digit(cp), u_charType(c) == U_DECIMAL_DIGIT_NUMBER) << std::hex << c;
  }
}

}  // namespace
}  // namespace fanout::identity::unicode
