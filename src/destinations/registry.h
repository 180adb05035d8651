#pragma once
// The platforms fanout delivers to, and the only list of them. Each destination folder registers itself with
// one registration() (in its register.cpp) and registry.cpp lists the folders, one line each: adding a
// platform is one folder plus one line there (docs/design.md, "How to add a platform"). Everything that needs
// the platforms' names (config, intake's per-event `destinations`, the status JSON's order) asks here.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/config_table.h"
#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest {

// Reads [destinations.<name>] (every problem recorded in table.errors()) and returns the destination.
using Factory = std::unique_ptr<Destination> (*)(ConfigTable& table, const EventNameMap& configured_names);

struct Registration {
  std::string_view name;  // "meta": the [destinations.<name>] table and the key of Event::destinations
  Factory make;
  // The HashedUser fields (their spool keys, core/event_codec.cpp) this platform's requests read: which hash
  // rules it needs. A rule no platform lists is not worth computing.
  std::span<const std::string_view> user_fields;
};

// Every registered platform, in output order: the order of FANOUT_PLATFORMS in registry.cpp, which is the
// order of destinations in the status JSON and in documentation examples.
std::span<const Registration> registry();

// The registration named `name`, or null.
const Registration* find_registration(std::string_view name);

// The position of `name` in registry(); registry().size() for a name that is not registered (sorts last).
size_t output_rank(std::string_view name);

// "meta, ga4, google_ads, microsoft_ads, tiktok": the registered names for error messages.
const std::string& name_list();

}  // namespace fanout::dest
