#pragma once
// Country: ISO 3166-1 alpha-2 from a code, an alpha-3 code or a common name ("United Kingdom", "USA",
// "Deutschland"). identity.h's country_code() is the public entry point; this adds the Meta spelling.
#include <string>
#include <string_view>

namespace fanout::identity {

// Lookup key: lowercase, NFC, no white space, punctuation or symbols, a leading "the " dropped.
// "U.S.A." -> "usa", "The Netherlands" -> "netherlands", "Côte d'Ivoire" -> "côtedivoire".
std::string country_key(std::string_view name);

// ISO alpha-2 in lower case (Meta `country`, plain HashedUser::country); "" when unknown.
std::string normalize_country(std::string_view raw);

}  // namespace fanout::identity
