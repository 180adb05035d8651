#include "identity/unicode.h"

#include <unicode/errorcode.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <stdexcept>

namespace fanout::identity::unicode {
namespace {

// Below U+0300 every code point is its own NFC form, has combining class 0 and composes with nothing
// that follows it (ICU's own quick check starts there); unicode_test checks this against ICU.
constexpr char32_t kFirstComposing = 0x0300;

bool is_ascii(char32_t c) {
  return c < 0x80;
}

char32_t ascii_lower(char32_t c) {
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

const icu::Normalizer2& nfc() {
  static const icu::Normalizer2& instance = [] () -> const icu::Normalizer2& {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
    if (U_FAILURE(status) || n == nullptr) throw std::runtime_error("ICU NFC data unavailable");
    return *n;
  }();
  return instance;
}

icu::UnicodeString to_icu(std::u32string_view text) {
  icu::UnicodeString out(static_cast<int32_t>(text.size()), UChar32{0}, 0);  // capacity, no fill
  for (char32_t c : text) out.append(static_cast<UChar32>(c));
  return out;
}

std::u32string from_icu(const icu::UnicodeString& text) {
  std::u32string out;
  out.reserve(static_cast<size_t>(text.length()));
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) out.push_back(static_cast<char32_t>(text.char32At(i)));
  return out;
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
  // Most text (ASCII, Latin-1, precomposed European names) is below U+0300 and already NFC.
  if (std::all_of(text.begin(), text.end(), [](char32_t c) { return c < kFirstComposing; })) {
    return std::u32string(text);
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString normalized = nfc().normalize(to_icu(text), status);
  return U_SUCCESS(status) ? from_icu(normalized) : std::u32string(text);
}

std::u32string to_lower(std::u32string_view text) {
  if (std::all_of(text.begin(), text.end(), is_ascii)) {
    std::u32string out(text.size(), U'\0');
    std::transform(text.begin(), text.end(), out.begin(), ascii_lower);
    return out;
  }
  // The root locale's full lowercase mapping, as JavaScript's toLowerCase(), differs from the simple
  // per-code-point one only for U+0130 (-> "i" U+0307) and capital sigma (word-final -> U+03C2): text
  // without them lowercases code point by code point (3x faster than a UnicodeString round trip);
  // unicode_test checks both against ICU's full mapping.
  if (std::none_of(text.begin(), text.end(), [](char32_t c) { return c == 0x0130 || c == 0x03A3; })) {
    std::u32string out(text.size(), U'\0');
    std::transform(text.begin(), text.end(), out.begin(), [](char32_t c) {
      return is_ascii(c) ? ascii_lower(c) : static_cast<char32_t>(u_tolower(static_cast<UChar32>(c)));
    });
    return out;
  }
  icu::UnicodeString s = to_icu(text);
  s.toLower(icu::Locale::getRoot());
  return from_icu(s);
}

std::u32string fold(std::string_view utf8) {
  // Pure ASCII (most emails, names, cities) composes to itself and lowercases byte by byte: one pass, one
  // allocation, the same result as the general path.
  if (std::all_of(utf8.begin(), utf8.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    std::u32string out(utf8.size(), U'\0');
    std::transform(utf8.begin(), utf8.end(), out.begin(),
                   [](char c) { return ascii_lower(static_cast<char32_t>(c)); });
    return out;
  }
  return to_lower(compose(decode_utf8(utf8)));
}

bool is_space(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  // White_Space plus the two invisible characters CRMs leave in pasted text: ZWSP and the BOM.
  return u_isUWhiteSpace(static_cast<UChar32>(c)) || c == 0x200B || c == 0xFEFF;
}

bool is_punctuation_or_symbol(char32_t c) {
  if (c < 0x80) {
    return c < 0x20 ? !is_space(c) : (c < '0' || (c > '9' && c < 'A') || (c > 'Z' && c < 'a') || c > 'z') && c != ' ';
  }
  const uint32_t category = U_GET_GC_MASK(static_cast<UChar32>(c));
  if (category & (U_GC_P_MASK | U_GC_S_MASK)) return true;
  return (category & U_GC_CC_MASK) && !is_space(c);  // C1 controls, except NEL (a line break)
}

bool is_digit(char32_t c) {
  return is_ascii_digit(c) || (c >= 0x80 && u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER);
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
