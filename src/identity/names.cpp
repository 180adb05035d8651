#include "identity/names.h"

#include <array>
#include <string_view>

#include "identity/unicode.h"

namespace fanout::identity {
namespace {

// Honorifics Google's formatting guide means by "prefixes such as Mrs." and "suffixes such as Jr.", in the
// folded, punctuation-free spelling the words rule produces. English only: the guide gives no other list.
constexpr std::array<std::string_view, 9> kTitles = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam"};
constexpr std::array<std::string_view, 9> kSuffixes = {"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "dds"};

template <size_t N>
bool is_one_of(std::string_view word, const std::array<std::string_view, N>& list) {
  for (std::string_view w : list)
    if (w == word) return true;
  return false;
}

}  // namespace

std::string normalize_name_meta(std::string_view raw) {
  std::u32string text = unicode::fold(raw);
  std::erase_if(text, [](char32_t c) { return unicode::is_space(c) || unicode::is_punctuation_or_symbol(c); });
  return unicode::encode_utf8(text);
}

std::string normalize_name_words(std::string_view raw) {
  std::u32string text = unicode::fold(raw);
  std::erase_if(text, [](char32_t c) { return unicode::is_digit(c) || unicode::is_punctuation_or_symbol(c); });
  std::string name = unicode::encode_utf8(unicode::collapse_spaces(text));
  const size_t first_space = name.find(' ');
  if (first_space != std::string::npos && is_one_of(std::string_view(name).substr(0, first_space), kTitles))
    name.erase(0, first_space + 1);
  const size_t last_space = name.rfind(' ');
  if (last_space != std::string::npos && is_one_of(std::string_view(name).substr(last_space + 1), kSuffixes))
    name.resize(last_space);
  return name;
}

}  // namespace fanout::identity
