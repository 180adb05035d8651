#pragma once
// Compact JSON encoding of an Event for the spool, and back. Round-trips every field.
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/result.h"

namespace fanout {

std::string encode_event(const Event& event);
Result<Event> decode_event(std::string_view payload);

}  // namespace fanout
