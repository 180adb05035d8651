#pragma once
// First and last names. Lowercasing is Unicode-aware and decomposed input is composed (NFC) first,
// so "Vale\u0301ry", "VALÉRY" and "Valéry" all hash alike; non-Latin scripts pass through.
#include <string>
#include <string_view>

namespace fanout::identity {

// Meta (and TikTok) rule: lowercase, no punctuation or symbols, no white space; other letters and digits kept.
// "Mary" -> "mary", "Valéry" -> "valéry", "O'Brien-Smith" -> "obriensmith", "정" -> "정".
std::string normalize_name_meta(std::string_view raw);

// Google rule: lowercase, trim, no digits, punctuation or symbols, inner white space collapsed to one space.
// "  Mary  Ann 2nd " -> "mary ann nd".
std::string normalize_name_google(std::string_view raw);

}  // namespace fanout::identity
