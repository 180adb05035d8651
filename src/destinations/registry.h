#pragma once
// The platforms fanout delivers to. Each destination folder registers itself with one registration() (in its
// register.cpp) and registry.cpp lists the folders, one line each: adding a platform is one folder plus one
// line there (docs/design.md, "How to add a platform").
#include <memory>
#include <span>
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

// Every registered platform, in output order (the order of destination_names() in core/event.h).
std::span<const Registration> registry();

// The registration named `name`, or null.
const Registration* find_registration(std::string_view name);

}  // namespace fanout::dest
