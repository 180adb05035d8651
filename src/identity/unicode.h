#pragma once
// Just enough Unicode for hashing personal data the way platforms' own (JavaScript/ICU) code does:
// UTF-8 decoding, NFC, lowercase and character classes, from ICU (with ASCII fast paths: most input is ASCII).
#include <string>
#include <string_view>

namespace fanout::identity::unicode {

// Code points of `utf8`. A byte that does not start a well-formed UTF-8 sequence is read as Latin-1, so a
// CRM that sends ISO-8859-1 ("Val\xe9ry") still hashes like the UTF-8 spelling.
std::u32string decode_utf8(std::string_view utf8);

// UTF-8 bytes of `text` (code points must be valid scalar values, as decode_utf8 returns).
std::string encode_utf8(std::u32string_view text);

// NFC (ICU): "e" + U+0301 -> "é", Hangul jamo -> syllables, marks canonically reordered first ("a" + U+0306 +
// U+0323 -> U+1EB7).
std::u32string compose(std::u32string_view text);

// Unicode lowercase (ICU, root locale; full mapping: U+0130 -> "i" U+0307; final sigma -> U+03C2), like
// JavaScript toLowerCase(). Not case folding: "ß" stays "ß", as platforms hash it.
std::u32string to_lower(std::u32string_view text);

// decode_utf8 + compose + to_lower: the canonical spelling every text rule starts from.
std::u32string fold(std::string_view utf8);

bool is_space(char32_t c);                  // Unicode white space (Z*, tab, newlines, ZWSP, BOM)
bool is_punctuation_or_symbol(char32_t c);  // P* or S* (and control characters): never part of a name
bool is_digit(char32_t c);                  // any decimal digit (Nd), not only 0-9
bool is_ascii_digit(char32_t c);            // '0'..'9'

// `text` without leading and trailing white space (is_space).
std::u32string_view trim(std::u32string_view text);

// `text` with every run of white space replaced by one ' ', and trimmed.
std::u32string collapse_spaces(std::u32string_view text);

}  // namespace fanout::identity::unicode
