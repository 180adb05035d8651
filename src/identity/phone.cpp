#include "identity/phone.h"

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>

#include "identity/unicode.h"

namespace fanout::identity {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr size_t kMaxPhoneChars = 64;              // longer than any formatted number with an extension
constexpr size_t kMinDigits = 7, kMaxDigits = 15;  // E.164 allows at most 15 digits

const PhoneNumberUtil& util() {
  // Muted once, before first use: libphonenumber's diagnostics could quote the number being parsed.
  static const PhoneNumberUtil* instance = [] {
    PhoneNumberUtil* u = PhoneNumberUtil::GetInstance();
    u->SetLogger(new i18n::phonenumbers::NullLogger());
    return u;
  }();
  return *instance;
}

std::string upper_region(std::string_view region) {
  std::string out(region);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return c >= 'a' && c <= 'z' ? c - 32 : c; });
  return out;
}

std::string digits_of(std::string_view text) {
  std::string out;
  std::copy_if(text.begin(), text.end(), std::back_inserter(out), [](char c) { return c >= '0' && c <= '9'; });
  return out;
}

// Length of the region's national significant numbers, from libphonenumber's example number; 0 if unknown.
size_t national_length(const std::string& region) {
  PhoneNumber example;
  if (!util().GetExampleNumber(region, &example)) return 0;
  std::string nsn;
  util().GetNationalSignificantNumber(example, &nsn);
  return nsn.size();
}

// When libphonenumber rejects a number (unknown region, metadata older than a new numbering plan, odd
// formatting) we still keep a value Meta's own rule would produce: digits without leading zeros, 7..15 of
// them, read as country code + number. A national-looking number (not starting with the region's calling
// code and no longer than the region's national numbers) gets the region's calling code in front. It is
// conservative: anything outside 7..15 digits is dropped rather than guessed.
std::optional<std::string> fallback_e164(std::string_view text, bool international, const std::string& region) {
  std::string digits = digits_of(text);
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.size() < kMinDigits || digits.size() > kMaxDigits) return std::nullopt;
  if (!international) {
    const int code = util().GetCountryCodeForRegion(region);
    const std::string prefix = code > 0 ? std::to_string(code) : std::string();
    if (!prefix.empty() && !digits.starts_with(prefix) && digits.size() <= national_length(region)) {
      digits = prefix + digits;
    }
    if (digits.size() > kMaxDigits) return std::nullopt;
  }
  return "+" + digits;
}

// "+1" and ten digits with an area code starting 2-9: the form most numbers arrive in (E.164 for the
// US, Canada and the rest of the NANP). libphonenumber returns such a number unchanged: +1 is the NANP's
// code, its only national prefix "1" cannot start the area code, and ten digits is the plan's length.
// Parsing it anyway costs ~10 us of ICU regular expressions per number, the largest part of intake, so
// it is recognised here; a test checks every area code and exchange digit against libphonenumber.
bool is_nanp_e164(std::string_view text) {
  if (text.size() != 12 || !text.starts_with("+1") || text[2] < '2' || text[2] > '9') return false;
  return std::all_of(text.begin() + 3, text.end(), [](char c) { return unicode::is_ascii_digit(c); });
}

// The same numbers written with the usual punctuation ("(650) 555-1212", "650.555.1212",
// "+1 650-555-1212", "1 (650) 555 1212"), the form US and Canadian CRMs store most: the digits are
// "1" (optional when national, required after '+') and ten with an area code starting 2-9.
// libphonenumber strips the same punctuation and the national prefix "1"; national numbers take the
// fast path only for US and CA (other NANP regions have local-number rules of their own). A test
// compares every area code and exchange digit in several formats against libphonenumber. Measured with
// callgrind: a parse costs ~130k instructions, this ~300.
std::optional<std::string> nanp_formatted(std::string_view text, std::string_view region) {
  std::string digits;
  bool plus = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (unicode::is_ascii_digit(c)) {
      digits += c;
    } else if (c == '+' && i == 0) {
      plus = true;
    } else if (c != ' ' && c != '(' && c != ')' && c != '-' && c != '.') {
      return std::nullopt;
    }
  }
  if (!plus && region != "US" && region != "CA") return std::nullopt;
  if (digits.size() == 11 && digits[0] == '1') {
    digits.erase(0, 1);
  } else if (plus) {
    return std::nullopt;
  }
  if (digits.size() != 10 || digits[0] < '2') return std::nullopt;
  return "+1" + digits;
}

}  // namespace

std::optional<std::string> phone_e164(std::string_view raw, std::string_view region) {
  if (raw.size() > kMaxPhoneChars) return std::nullopt;
  std::string text = unicode::encode_utf8(unicode::trim(unicode::decode_utf8(raw)));
  if (text.empty()) return std::nullopt;
  // "00" is the international prefix in most of the world but not everywhere (US: 011), so it is made
  // explicit instead of relying on the region's dialling rules.
  const bool international = text.starts_with('+') || text.starts_with("00");
  if (text.starts_with("00")) text.replace(0, 2, "+");
  if (is_nanp_e164(text)) return text;
  std::string region_code = upper_region(region);
  if (auto nanp = nanp_formatted(text, region_code)) return nanp;
  if (util().GetCountryCodeForRegion(region_code) == 0) region_code = "ZZ";  // unknown: '+' numbers only

  PhoneNumber number;
  if (util().Parse(text, region_code, &number) == PhoneNumberUtil::NO_PARSING_ERROR &&
      util().IsPossibleNumber(number)) {
    std::string e164;
    util().Format(number, PhoneNumberUtil::E164, &e164);
    return e164;
  }
  return fallback_e164(text, international, region_code);
}

void load_phone_metadata() {
  util();
}

std::optional<std::string> phone_digits(std::string_view raw, std::string_view region) {
  std::optional<std::string> e164 = phone_e164(raw, region);
  if (e164) e164->erase(0, 1);
  return e164;
}

}  // namespace fanout::identity
