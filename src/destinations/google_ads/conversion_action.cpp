#include "destinations/google_ads/conversion_action.h"

#include <algorithm>
#include <cctype>

namespace fanout::dest::google_ads {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

std::optional<std::string> conversion_action_id(std::string_view mapping) {
  if (all_digits(mapping)) return std::string(mapping);
  constexpr std::string_view kCustomers = "customers/";
  constexpr std::string_view kActions = "/conversionActions/";
  if (mapping.substr(0, kCustomers.size()) != kCustomers) return std::nullopt;
  std::string_view rest = mapping.substr(kCustomers.size());
  size_t sep = rest.find(kActions);
  if (sep == std::string_view::npos || !all_digits(rest.substr(0, sep))) return std::nullopt;
  std::string_view id = rest.substr(sep + kActions.size());
  if (!all_digits(id)) return std::nullopt;
  return std::string(id);
}

std::string normalize_customer_id(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      out += c;
    } else if (c != '-') {
      return {};
    }
  }
  return out;
}

}  // namespace fanout::dest::google_ads
