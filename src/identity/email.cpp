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

}  // namespace

EmailVariants email_variants(std::string_view raw) {
  const std::u32string folded = unicode::fold(raw);
  EmailVariants out;
  Address a;
  const bool plausible = split(folded, a);
  out.google = google_rule(folded, plausible ? &a : nullptr);
  if (!plausible) return out;
  out.meta = join(a.local, a.domain);
  out.ms_capi = join(without_dots(without_plus_suffix(a.local)), a.domain);
  out.ms_offline = join(without_plus_suffix(a.local), a.domain);
  return out;
}

std::string normalize_email_meta(std::string_view raw) {
  return email_variants(raw).meta;
}

std::string normalize_email_google(std::string_view raw) {
  return email_variants(raw).google;
}

std::string normalize_email_ms_capi(std::string_view raw) {
  return email_variants(raw).ms_capi;
}

std::string normalize_email_ms_offline(std::string_view raw) {
  return email_variants(raw).ms_offline;
}

}  // namespace fanout::identity
