#pragma once
// Percent-encoding for URL query values and form bodies.
#include <string>
#include <string_view>

namespace fanout {

// RFC 3986: unreserved characters (A-Z a-z 0-9 - . _ ~) pass, every other byte becomes %XX (upper hex).
std::string percent_encode(std::string_view s);

}  // namespace fanout
