#pragma once
// Reading the keys every destination shares (docs/configuration.md) and the event-name mapping.
#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config_table.h"
#include "core/event.h"
#include "destinations/destination.h"

namespace fanout::dest {

// Reads enabled, base_url, timeout_ms, max_batch, linger_ms, max_in_flight, retry_base_ms, retry_max_ms
// from `table`, starting from `defaults` (the platform's own limits). max_batch above the default is an error.
DeliveryOptions read_delivery_options(ConfigTable& table, const DeliveryOptions& defaults);

// Canonical event name -> this platform's name, from the [events.*] tables (only entries for this platform).
using EventNameMap = std::map<std::string, std::string>;

// The platform name for `event`: the event's own override (destinations.<dest>.event_name), else the
// configured [events.<name>].<dest>, else `defaults`, else `fallback_to_canonical` ? the canonical name : "".
std::string resolve_event_name(const Event& event, const std::string& destination, const EventNameMap& configured,
                               const EventNameMap& defaults, bool fallback_to_canonical);

// The per-event override for `destination`, or an empty one.
const DestinationOverride& override_for(const Event& event, const std::string& destination);

// Common skip checks, in order: the event disabled this destination ("disabled_for_event"), intake set a
// skip reason (e.g. "not_mapped"), the event is older than `window_s` ("too_old"). "" = none applies.
std::string common_skip_reason(const Event& event, const std::string& destination, int64_t now_s, int64_t window_s);

// Joins base_url (which may carry a path prefix, with or without a trailing '/') and a platform path
// starting with '/'.
std::string join_url(const std::string& base_url, const std::string& path);

// `indices` cut, in order, into runs of at most `max_batch` (taken as at least 1): one request's events each.
std::vector<std::vector<size_t>> batches(std::span<const size_t> indices, size_t max_batch);
// The same for the indices 0..n-1.
std::vector<std::vector<size_t>> batches(size_t n, size_t max_batch);

// --- Response helpers shared by the destinations' classify() ---

// A platform message made fit for an EventResult reason: control characters become spaces, and it is cut
// to at most `max_bytes` bytes on a UTF-8 character boundary.
std::string clip_message(std::string_view message, size_t max_bytes = 200);

// The reason of a request that got no answer (refused, reset, timed out): the same words for every platform
// and for the delivery engine ("transport_error: no answer" when curl gave no message).
std::string transport_reason(const HttpResponse& response);

// The members of a JSON object text as (key, compact JSON value), in order; empty when `json` is empty or
// not an object. Lets a platform's Writer merge `properties` (Key + RawValue) without a second DOM.
std::vector<std::pair<std::string, std::string>> json_object_members(const std::string& json);

}  // namespace fanout::dest
