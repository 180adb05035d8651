#pragma once
// The hand-off from intake to delivery: an event just committed to the spool, with the destinations it
// is pending for. It lives here, below both, so intake hands events over without seeing delivery.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"

namespace fanout::spool {

// An event just committed to the spool, with the destinations it is pending for.
struct Accepted {
  int64_t seq = 0;
  std::shared_ptr<const Event> event;
  std::vector<std::string> destinations;  // names of destinations whose delivery is `pending`
};

}  // namespace fanout::spool
