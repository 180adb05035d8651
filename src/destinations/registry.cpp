#include "destinations/registry.h"

#include <string>
#include <vector>

// One line per platform: the namespace of its folder, which defines <folder>::registration() in register.cpp.
#define FANOUT_PLATFORMS(X) \
  X(meta)                   \
  X(ga4)                    \
  X(google_ads)             \
  X(microsoft_ads)          \
  X(tiktok)

namespace fanout::dest {

#define FANOUT_DECLARE(folder) \
  namespace folder {           \
  const Registration& registration(); \
  }
FANOUT_PLATFORMS(FANOUT_DECLARE)
#undef FANOUT_DECLARE

std::span<const Registration> registry() {
#define FANOUT_ENTRY(folder) folder::registration(),
  static const std::vector<Registration> all{FANOUT_PLATFORMS(FANOUT_ENTRY)};
#undef FANOUT_ENTRY
  return all;
}

const Registration* find_registration(std::string_view name) {
  for (const Registration& r : registry())
    if (r.name == name) return &r;
  return nullptr;
}

size_t output_rank(std::string_view name) {
  const auto all = registry();
  size_t i = 0;
  while (i < all.size() && all[i].name != name) ++i;
  return i;
}

const std::string& name_list() {
  static const std::string list = [] {
    std::string out;
    for (const Registration& r : registry()) {
      if (!out.empty()) out += ", ";
      out += r.name;
    }
    return out;
  }();
  return list;
}

}  // namespace fanout::dest
