#include "identity/person.h"

#include <chrono>
#include <cstdio>
#include <vector>

#include "identity/unicode.h"

namespace fanout::identity {
namespace {

struct Date {
  int year = 0, month = 0, day = 0;
};

bool valid(const Date& d, int max_year) {
  if (d.year < 1900 || d.year > max_year) return false;
  const std::chrono::year_month_day ymd{std::chrono::year{d.year}, std::chrono::month{static_cast<unsigned>(d.month)},
                                        std::chrono::day{static_cast<unsigned>(d.day)}};
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && ymd.ok();
}

// Runs of ASCII digits and the separators between them; false when a group is too long to be a date part.
bool split_groups(std::string_view s, std::vector<std::string_view>& groups, std::string& separators) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i) {
      separators.push_back(s[i]);
      ++i;
      continue;
    }
    if (j - i > 8) return false;
    groups.push_back(s.substr(i, j - i));
    i = j;
  }
  return true;
}

int to_int(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

std::string normalize_gender(std::string_view raw) {
  const std::string g = unicode::encode_utf8(unicode::trim(unicode::fold(raw)));
  if (g == "f" || g == "female" || g == "woman") return "f";
  if (g == "m" || g == "male" || g == "man") return "m";
  return {};
}

std::string normalize_date_of_birth(std::string_view raw, int max_year) {
  std::string s = unicode::encode_utf8(unicode::trim(unicode::decode_utf8(raw)));
  if (s.size() > 32) return {};
  // ISO date-time ("1997-02-16T00:00:00Z", "1997-02-16 00:00"): only the date part counts.
  if (s.size() > 10 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ')) s.resize(10);
  std::vector<std::string_view> groups;
  std::string separators;
  if (!split_groups(s, groups, separators)) return {};
  // Separators must be one plain punctuation kind: letters ("Feb") or mixed styles are not guessed.
  for (char c : separators) {
    if (c != separators[0] || (c != '-' && c != '/' && c != '.' && c != ' ')) return {};
  }

  Date d;
  if (groups.size() == 1 && groups[0].size() == 8) {  // YYYYMMDD
    d = {to_int(groups[0].substr(0, 4)), to_int(groups[0].substr(4, 2)), to_int(groups[0].substr(6, 2))};
  } else if (groups.size() == 3 && groups[0].size() == 4 && groups[1].size() <= 2 && groups[2].size() <= 2) {
    d = {to_int(groups[0]), to_int(groups[1]), to_int(groups[2])};  // Y-M-D
  } else if (groups.size() == 3 && groups[2].size() == 4 && groups[0].size() <= 2 && groups[1].size() <= 2) {
    const int a = to_int(groups[0]), b = to_int(groups[1]);
    // Dots mean day.month.year (European); otherwise US month/day unless the first number cannot be a month.
    const bool day_first = separators[0] == '.' || a > 12;
    d = {to_int(groups[2]), day_first ? b : a, day_first ? a : b};
  } else {
    return {};
  }
  if (!valid(d, max_year)) return {};
  char out[9];
  std::snprintf(out, sizeof out, "%04d%02d%02d", d.year, d.month, d.day);
  return out;
}

std::string normalize_date_of_birth(std::string_view raw) {
  using namespace std::chrono;
  const year_month_day today{floor<days>(system_clock::now())};
  return normalize_date_of_birth(raw, static_cast<int>(today.year()));
}

std::string trim_external_id(std::string_view raw) {
  // Byte-level ASCII trim: an id is an opaque token and must reach Microsoft/GA4 byte for byte.
  const auto ws = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!raw.empty() && ws(raw.front())) raw.remove_prefix(1);
  while (!raw.empty() && ws(raw.back())) raw.remove_suffix(1);
  return std::string(raw);
}

std::string normalize_external_id(std::string_view raw) {
  return unicode::encode_utf8(unicode::to_lower(unicode::decode_utf8(trim_external_id(raw))));
}

}  // namespace fanout::identity
