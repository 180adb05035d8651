#pragma once
// First and last names. Lowercasing is Unicode-aware and decomposed input is composed (NFC) first,
// so "Vale\u0301ry", "VALÉRY" and "Valéry" all hash alike; non-Latin scripts pass through.
#include <string>
#include <string_view>

namespace fanout::identity {

// Compact rule (Meta): lowercase, no punctuation or symbols, no white space; other letters and digits kept.
// "Mary" -> "mary", "Valéry" -> "valéry", "O'Brien-Smith" -> "obriensmith", "정" -> "정".
std::string normalize_name_meta(std::string_view raw);

// Words rule (Google: Data Manager, Google Ads, GA4): lowercase, trim, no digits, punctuation or symbols, inner
// white space collapsed to one space, and a leading title ("Mr.", "Mrs", "Dr") or trailing suffix ("Jr.", "III",
// "PhD") dropped when a name remains: "Mr. Alex" -> "alex", "Quinn, Jr." -> "quinn", "  Mary  Ann 2nd " -> "mary ann nd".
std::string normalize_name_words(std::string_view raw);

}  // namespace fanout::identity
