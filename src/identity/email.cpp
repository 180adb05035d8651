#include "identity/email.h"

#include <algorithm>

#include "identity/unicode.h"

namespace fanout::identity {
namespace {

struct Address {
  std::string local, domain;
};

// Splits trimmed, folded text at its single '@'; false when it is not a plausible address.
bool split(std::u32string_view folded, Address& out) {
  std::u32string_view text = unicode::trim(folded);
  const size_t at = text.find(U'@');
  if (at == std::u32string_view::npos || at == 0 || text.find(U'@', at + 1) != std::u32string_view::npos) return false;
  if (std::any_of(text.begin(), text.end(), unicode::is_space)) return false;
  const std::u32string_view domain = text.substr(at + 1);
  const size_t dot = domain.find(U'.');
  if (dot == std::u32string_view::npos || dot == 0 || domain.back() == U'.') return false;
  out.local = unicode::encode_utf8(text.substr(0, at));
  out.domain = unicode::encode_utf8(domain);
  return true;
}

std::string without_dots(std::string_view local) {
  std::string out;
  std::copy_if(local.begin(), local.end(), std::back_inserter(out), [](char c) { return c != '.'; });
  return out;
}

std::string without_plus_suffix(std::string_view local) {
  return std::string(local.substr(0, local.find('+')));
}

// The address, or "" when a rule left the local part empty (e.g. "+tag@x.com").
std::string join(const std::string& local, const std::string& domain) {
  return local.empty() ? std::string() : local + "@" + domain;
}

// Google's spelling of the folded address (inner white space removed, Gmail dots and "+suffix" dropped);
// `split_folded` is split(folded), or null when that failed.
std::string google_rule(std::u32string_view folded, const Address* split_folded) {
  Address a;
  // Removing inner white space changes nothing when there is none, so the plain split can be reused.
  if (std::none_of(folded.begin(), folded.end(), unicode::is_space)) {
    if (!split_folded) return {};
    a = *split_folded;
  } else {
    std::u32string compact(folded);
    std::erase_if(compact, unicode::is_space);
    if (!split(compact, a)) return {};
  }
  if (a.domain == "gmail.com" || a.domain == "googlemail.com") a.local = without_dots(without_plus_suffix(a.local));
  return join(a.local, a.domain);
}

// The base letter of a lowercase accented Latin letter (U+00E0..U+017F), or the letter itself. Letters with no
// base letter (æ, ð, ø is o, þ, ĳ, ŋ, œ, ß) stay. Input is already folded, so only lowercase forms occur.
char32_t without_accent(char32_t c) {
  static constexpr std::string_view kLatin1 = "aaaaaa*ceeeeiiii*nooooo*ouuuuy*y";  // U+00E0..U+00FF
  static constexpr std::string_view kExtendedA =                                  // U+0100..U+017F
      "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkk*llllllllllnnnnnnn**oooooo**rrrrrrssssssss"
      "ttttttuuuuuuuuuuuuwwyyyzzzzzz*";
  static_assert(kLatin1.size() == 0x20 && kExtendedA.size() == 0x80);
  char base = '*';
  if (c >= 0xE0 && c <= 0xFF) base = kLatin1[c - 0xE0];
  else if (c >= 0x100 && c <= 0x17F) base = kExtendedA[c - 0x100];
  return base == '*' ? c : static_cast<char32_t>(base);
}

bool is_combining_mark(char32_t c) {
  return c >= 0x300 && c <= 0x36F;
}

// Microsoft's spelling of the folded address: no white space, no accents, no dots or "+tag" in the local part.
std::string no_dots_tag_rule(std::u32string_view folded) {
  std::u32string text(folded);
  std::erase_if(text, [](char32_t c) { return unicode::is_space(c) || is_combining_mark(c); });
  for (char32_t& c : text) c = without_accent(c);
  Address a;
  if (!split(text, a)) return {};
  return join(without_dots(without_plus_suffix(a.local)), a.domain);
}

}  // namespace

EmailVariants email_variants(std::string_view raw) {
  const std::u32string folded = unicode::fold(raw);
  EmailVariants out;
  Address a;
  const bool plausible = split(folded, a);
  out.gmail = google_rule(folded, plausible ? &a : nullptr);
  out.no_dots_tag = no_dots_tag_rule(folded);
  if (!plausible) return out;
  out.lower = join(a.local, a.domain);
  return out;
}

std::string normalize_email_lower(std::string_view raw) {
  return email_variants(raw).lower;
}

std::string normalize_email_gmail(std::string_view raw) {
  return email_variants(raw).gmail;
}

std::string normalize_email_no_dots_tag(std::string_view raw) {
  return email_variants(raw).no_dots_tag;
}

}  // namespace fanout::identity
