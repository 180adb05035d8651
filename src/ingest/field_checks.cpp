#include "ingest/field_checks.h"

#include <cstdint>

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <vector>

namespace fanout::ingest {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

}  // namespace

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

namespace {

// Bytes of the white-space character `s` starts with (0 = none).
size_t leading_space_bytes(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  if (s.empty()) return 0;
  if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')) return 1;
  if (s.size() >= 2 && b(0) == 0xC2 && (b(1) == 0x85 || b(1) == 0xA0)) return 2;
  if (s.size() < 3) return 0;
  const uint32_t cp = (b(0) & 0x0Fu) << 12 | (b(1) & 0x3Fu) << 6 | (b(2) & 0x3Fu);
  if ((b(0) & 0xF0) != 0xE0) return 0;
  const bool space = cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 ||
                     cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
  return space ? 3 : 0;
}

// Bytes of the white-space character `s` ends with (0 = none).
size_t trailing_space_bytes(std::string_view s) {
  for (size_t n : {size_t{1}, size_t{2}, size_t{3}}) {
    if (s.size() < n) break;
    if (leading_space_bytes(s.substr(s.size() - n)) == n) return n;
  }
  return 0;
}

}  // namespace

std::string_view trim_white_space(std::string_view s) {
  while (size_t n = leading_space_bytes(s)) s.remove_prefix(n);
  while (size_t n = trailing_space_bytes(s)) s.remove_suffix(n);
  return s;
}

bool is_action_source(std::string_view s) {
  static constexpr std::array<std::string_view, 9> kSources{
      "website", "app", "phone_call", "chat", "email", "physical_store", "system_generated", "crm", "other"};
  for (std::string_view known : kSources)
    if (s == known) return true;
  return false;
}

bool is_printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

bool is_http_url(std::string_view s) {
  if (s.size() > kMaxUrlBytes || !is_printable(s)) return false;
  size_t scheme = 0;
  if (starts_with_nocase(s, "https://"))
    scheme = 8;
  else if (starts_with_nocase(s, "http://"))
    scheme = 7;
  else
    return false;
  for (unsigned char c : s)
    if (c == ' ') return false;
  std::string_view rest = s.substr(scheme);
  std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  if (!host.empty() && host.front() == '[') return host.find(']') != std::string_view::npos && host.size() > 2;
  host = host.substr(0, host.find(':'));
  return !host.empty();
}

bool is_ip_address(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  std::string text(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

std::optional<std::string> normalize_currency(std::string_view s) {
  if (s.size() != 3) return std::nullopt;
  std::string out;
  for (char c : s) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return std::nullopt;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::optional<std::string> normalize_ga_client_id(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  // A `_ga` cookie: "GA<version>.<domain depth>.<random>.<timestamp>". The depth is not always 1, so the id is
  // taken from the right: the last two parts.
  if (starts_with_nocase(s, "ga")) {
    std::vector<std::string_view> parts = split(s, '.');
    if (parts.size() >= 4 && all_digits(parts[parts.size() - 2]) && all_digits(parts.back()))
      return std::string(parts[parts.size() - 2]) + "." + std::string(parts.back());
  }
  return std::string(s);
}

std::optional<std::string> normalize_ga_session_id(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  std::vector<std::string_view> parts = split(s, '.');
  // GS1.1.<session id>.<count>.<engaged>.<timestamp>...
  if (starts_with_nocase(s, "gs1.") && parts.size() >= 3 && all_digits(parts[2])) return std::string(parts[2]);
  // GS2.1.s<session id>$o<count>$g<engaged>$t<timestamp>...: items named by their first letter, in no
  // promised order, so the `s` item is looked for among all of them.
  if (starts_with_nocase(s, "gs2.") && parts.size() >= 3) {
    for (std::string_view item : split(parts[2], '$'))
      if (item.size() > 1 && item[0] == 's' && all_digits(item.substr(1))) return std::string(item.substr(1));
  }
  return std::string(s);
}

}  // namespace fanout::ingest
