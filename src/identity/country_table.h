#pragma once
// ISO 3166-1 lookup table (country_table.cpp, generated). Internal to identity; use identity/country.h.
#include <span>
#include <string_view>

namespace fanout::identity::country_table {

struct Entry {
  std::string_view key;   // country_key() spelling of a code, alpha-3 code, name or alias
  std::string_view code;  // ISO 3166-1 alpha-2, upper case
};

extern const std::span<const Entry> kCountries;  // sorted by `key` (byte order), keys unique

}  // namespace fanout::identity::country_table
