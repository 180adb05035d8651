#include "identity/address.h"

#include <algorithm>

#include "identity/unicode.h"

namespace fanout::identity {
namespace {

bool is_country(std::string_view country, std::string_view alpha2_lower) {
  return country.size() == 2 && (country[0] | 0x20) == alpha2_lower[0] && (country[1] | 0x20) == alpha2_lower[1];
}

bool is_dash(char32_t c) {
  return c == U'-' || (c >= 0x2010 && c <= 0x2015) || c == 0x2212;
}

bool all_ascii_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string normalize_city_meta(std::string_view raw) {
  std::u32string text = unicode::fold(raw);
  std::erase_if(text, [](char32_t c) {
    return unicode::is_space(c) || unicode::is_punctuation_or_symbol(c) || unicode::is_digit(c);
  });
  return unicode::encode_utf8(text);
}

std::string normalize_city(std::string_view raw) {
  std::u32string text = unicode::fold(raw);
  std::erase_if(text, [](char32_t c) { return unicode::is_punctuation_or_symbol(c) || unicode::is_digit(c); });
  return unicode::encode_utf8(unicode::collapse_spaces(text));
}

std::string normalize_state_meta(std::string_view raw, std::string_view country) {
  std::u32string text = unicode::fold(raw);
  std::erase_if(text, [](char32_t c) { return unicode::is_space(c) || unicode::is_punctuation_or_symbol(c); });
  std::string state = unicode::encode_utf8(text);
  // Only US states have a 2-letter rule; elsewhere a name like "Georgia" is not a US state.
  if (country.empty() || is_country(country, "us")) {
    if (std::string code = us_state_code(state); !code.empty()) return code;
  }
  return state;
}

std::string normalize_region(std::string_view raw) {
  return normalize_city(raw);
}

std::string normalize_postal_code(std::string_view raw) {
  std::u32string text = unicode::decode_utf8(raw);
  std::erase_if(text, [](char32_t c) { return c == U'.' || c == U'~'; });
  return unicode::encode_utf8(unicode::collapse_spaces(text));
}

std::string normalize_zip(std::string_view raw, std::string_view country) {
  std::u32string text = unicode::fold(raw);
  std::erase_if(text, [](char32_t c) { return unicode::is_space(c) || is_dash(c); });
  std::string zip = unicode::encode_utf8(text);
  // ZIP+4 is cut to the 5-digit ZIP Meta asks for. With no country, only the US shapes (5 or 9 digits)
  // are cut: 6-digit codes (India, China, Russia) must stay whole.
  const bool us = is_country(country, "us");
  const bool us_shaped = all_ascii_digits(zip) && (zip.size() == 5 || zip.size() == 9);
  if ((us && zip.size() > 5 && all_ascii_digits(zip.substr(0, 5))) || (country.empty() && us_shaped)) zip.resize(5);
  return zip;
}

}  // namespace fanout::identity
