#include "identity/unicode.h"

#include <gtest/gtest.h>

#include "identity/unicode_data.h"

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

// compose() skips the table for ASCII second code points; that is only right while no pair has one.
TEST(Unicode, NoCanonicalPairEndsInAscii) {
  for (const auto& c : unicode_data::kCompositions)
    EXPECT_GE(static_cast<uint32_t>(c.mark), 0x80u) << std::hex << static_cast<uint32_t>(c.base);
}

// fold() takes a one-pass path for pure ASCII: it must agree with decode + compose + lowercase.
TEST(Unicode, AsciiFoldMatchesGeneralPath) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  for (std::string_view s : {std::string_view(all), std::string_view("Jane.Doe+X@Example.COM"),
                             std::string_view("  SW1A 1AA "), std::string_view("")}) {
    EXPECT_TRUE(fold(s) == to_lower(compose(decode_utf8(s)))) << s;
  }
}

}  // namespace
}  // namespace fanout::identity::unicode
