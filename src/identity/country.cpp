#include "identity/country.h"

#include <algorithm>

#include "identity/country_table.h"
#include "identity/identity.h"
#include "identity/unicode.h"

namespace fanout::identity {

std::string country_key(std::string_view name) {
  std::u32string text = unicode::collapse_spaces(unicode::fold(name));
  if (text.starts_with(U"the ")) text.erase(0, 4);
  std::erase_if(text, [](char32_t c) { return unicode::is_space(c) || unicode::is_punctuation_or_symbol(c); });
  return unicode::encode_utf8(text);
}

std::string country_code(const std::string& country_or_name) {
  // Names are short; anything long is not a country and is not worth folding.
  if (country_or_name.size() > 128) return {};
  const std::string key = country_key(country_or_name);
  const auto& table = country_table::kCountries;
  auto it = std::lower_bound(table.begin(), table.end(), std::string_view(key),
                             [](const country_table::Entry& e, std::string_view k) { return e.key < k; });
  return (it != table.end() && it->key == key) ? std::string(it->code) : std::string();
}

std::string normalize_country(std::string_view raw) {
  std::string code = country_code(std::string(raw));
  std::transform(code.begin(), code.end(), code.begin(), [](char c) { return static_cast<char>(c | 0x20); });
  return code;
}

}  // namespace fanout::identity
