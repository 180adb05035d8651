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

}  // namespace

std::string normalize_email_meta(std::string_view raw) {
  Address a;
  return split(unicode::fold(raw), a) ? join(a.local, a.domain) : std::string();
}

std::string normalize_email_google(std::string_view raw) {
  std::u32string folded = unicode::fold(raw);
  std::erase_if(folded, unicode::is_space);
  Address a;
  if (!split(folded, a)) return {};
  if (a.domain == "gmail.com" || a.domain == "googlemail.com") a.local = without_dots(without_plus_suffix(a.local));
  return join(a.local, a.domain);
}

std::string normalize_email_ms_capi(std::string_view raw) {
  Address a;
  return split(unicode::fold(raw), a) ? join(without_dots(without_plus_suffix(a.local)), a.domain) : std::string();
}

std::string normalize_email_ms_offline(std::string_view raw) {
  Address a;
  return split(unicode::fold(raw), a) ? join(without_plus_suffix(a.local), a.domain) : std::string();
}

}  // namespace fanout::identity
