#pragma once
// City, state/region and postal code: Meta's hashed spellings (docs/platforms.md, Meta) and the plain spellings
// kept for platforms that take the address in the clear (GA4, Data Manager, TikTok).
// `country` parameters are ISO alpha-2 in either case, "" when unknown.
#include <string>
#include <string_view>

namespace fanout::identity {

// Meta `ct`: lowercase, no punctuation, symbols, white space or digits; UTF-8 letters kept ("New York" -> "newyork").
std::string normalize_city_meta(std::string_view raw);

// Plain city (Google's rule for GA4 user_data.address): lowercase, no digits, punctuation or symbols, trimmed,
// single spaces ("  St. Louis " -> "st louis", "Newcastle-upon-Tyne" -> "newcastleupontyne").
std::string normalize_city(std::string_view raw);

// Meta `st`: for the US (or an unknown country) a full state name becomes its 2-letter code
// ("California" -> "ca"); otherwise lowercase without punctuation, symbols or white space.
std::string normalize_state_meta(std::string_view raw, std::string_view country);

// Plain region: the same rule as the plain city ("CA" -> "ca", "Tyne & Wear" -> "tyne wear").
std::string normalize_region(std::string_view raw);

// Plain postal code (Google's rule: GA4 address, Data Manager postalCode): as written, trimmed, inner white space
// collapsed, '.' and '~' removed; case, dashes and a US ZIP+4 kept ("1229-076", "NE1 4ST", "63101-1234").
std::string normalize_postal_code(std::string_view raw);

// Meta `zp`: lowercase, no white space or dashes; US ZIP+4 cut to the 5-digit ZIP
// (also when the country is unknown and the code is 5 or 9 digits). UK "M1 1AE" -> "m11ae".
std::string normalize_zip(std::string_view raw, std::string_view country);

// 2-letter lowercase USPS code for a US state, DC or territory name ("New York" -> "ny"); "" when not one.
std::string us_state_code(std::string_view name);

}  // namespace fanout::identity
