#include "identity/unicode.h"

#include <algorithm>
#include <span>

#include "identity/unicode_data.h"

namespace fanout::identity::unicode {
namespace {

using unicode_data::Range;

bool in_ranges(std::span<const Range> ranges, char32_t c) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), c, [](char32_t v, const Range& r) { return v < r.first; });
  return it != ranges.begin() && c <= std::prev(it)->last;
}

char32_t simple_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  const auto& table = unicode_data::kLowercase;
  auto it = std::lower_bound(table.begin(), table.end(), c,
                             [](const unicode_data::CaseMapping& m, char32_t v) { return m.upper < v; });
  return (it != table.end() && it->upper == c) ? it->lower : c;
}

// Hangul syllables compose algorithmically rather than through the table (Unicode §3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

char32_t compose_pair(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount) {
    return a + (b - kTBase);
  }
  const auto& table = unicode_data::kCompositions;
  auto it = std::lower_bound(table.begin(), table.end(), std::pair{a, b},
                             [](const unicode_data::Composition& c, const std::pair<char32_t, char32_t>& v) {
                               return c.base < v.first || (c.base == v.first && c.mark < v.second);
                             });
  return (it != table.end() && it->base == a && it->mark == b) ? it->composed : 0;
}

// A letter for the final-sigma rule: anything that lowercases or uppercases, approximated as "not a
// separator, digit or mark-free symbol". Good enough to tell the end of a word.
bool is_word_char(char32_t c) {
  return !is_space(c) && !is_punctuation_or_symbol(c) && !is_digit(c);
}

}  // namespace

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    size_t len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
    char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    bool ok = len != 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      ok = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF: they are not UTF-8.
    static constexpr char32_t kMinForLen[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMinForLen[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (ok) {
      out.push_back(cp);
      i += len;
    } else {
      out.push_back(b0);  // Latin-1 reading of a stray byte
      i += 1;
    }
  }
  return out;
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::u32string compose(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    // No canonical pair has an ASCII second code point (marks, jamo and the like are all above U+02FF), so
    // ASCII skips the table search; unicode_test checks that invariant against the table.
    if (c >= 0x80 && !out.empty()) {
      if (char32_t composed = compose_pair(out.back(), c)) {
        out.back() = composed;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

std::u32string to_lower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size() + 1);
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c == 0x0130) {  // İ: the only unconditional multi-code-point lowercase (SpecialCasing.txt)
      out.push_back(U'i');
      out.push_back(0x0307);
    } else if (c == 0x03A3) {  // Σ: word-final sigma is ς
      const bool after_letter = i > 0 && is_word_char(text[i - 1]);
      const bool before_letter = i + 1 < text.size() && is_word_char(text[i + 1]);
      out.push_back(after_letter && !before_letter ? char32_t{0x03C2} : char32_t{0x03C3});
    } else {
      out.push_back(simple_lower(c));
    }
  }
  return out;
}

std::u32string fold(std::string_view utf8) {
  // Pure ASCII (most emails, names, cities) composes to itself and lowercases byte by byte: one pass, one
  // allocation, the same result as the general path.
  if (std::all_of(utf8.begin(), utf8.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    std::u32string out(utf8.size(), U'\0');
    std::transform(utf8.begin(), utf8.end(), out.begin(),
                   [](char c) { return simple_lower(static_cast<char32_t>(c)); });
    return out;
  }
  return to_lower(compose(decode_utf8(utf8)));
}

bool is_space(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  return in_ranges(unicode_data::kSpaces, c);
}

bool is_punctuation_or_symbol(char32_t c) {
  if (c < 0x80) {
    return c < 0x20 ? !is_space(c) : (c < '0' || (c > '9' && c < 'A') || (c > 'Z' && c < 'a') || c > 'z') && c != ' ';
  }
  return in_ranges(unicode_data::kPunctuationAndSymbols, c);
}

bool is_digit(char32_t c) {
  return is_ascii_digit(c) || (c >= 0x80 && in_ranges(unicode_data::kDecimalDigits, c));
}

bool is_ascii_digit(char32_t c) {
  return c >= U'0' && c <= U'9';
}

std::u32string_view trim(std::u32string_view text) {
  size_t b = 0, e = text.size();
  while (b < e && is_space(text[b])) ++b;
  while (e > b && is_space(text[e - 1])) --e;
  return text.substr(b, e - b);
}

std::u32string collapse_spaces(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char32_t c : trim(text)) {
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space) out.push_back(U' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace fanout::identity::unicode
