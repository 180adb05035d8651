#include "identity/names.h"

#include "identity/unicode.h"

namespace fanout::identity {

std::string normalize_name_meta(std::string_view raw) {
  std::u32string text = unicode::fold(raw);
  std::erase_if(text, [](char32_t c) { return unicode::is_space(c) || unicode::is_punctuation_or_symbol(c); });
  return unicode::encode_utf8(text);
}

std::string normalize_name_google(std::string_view raw) {
  std::u32string text = unicode::fold(raw);
  std::erase_if(text, [](char32_t c) { return unicode::is_digit(c) || unicode::is_punctuation_or_symbol(c); });
  return unicode::encode_utf8(unicode::collapse_spaces(text));
}

}  // namespace fanout::identity
