#pragma once
// Wall-clock helpers. Everything that needs "now" takes it as a parameter so tests can inject time.
#include <chrono>
#include <cstdint>
#include <string>

namespace fanout {

// Milliseconds since the Unix epoch, wall clock.
inline int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// RFC 3339 UTC with milliseconds, e.g. "2026-11-23T12:00:00.123Z".
std::string format_rfc3339_ms(int64_t unix_ms);

// RFC 3339 UTC seconds, e.g. "2026-11-23T12:00:00Z".
std::string format_rfc3339(int64_t unix_s);

// Parses RFC 3339 ("2026-11-23T12:00:00Z", "...+02:00", fractional seconds allowed) to Unix seconds.
// Returns false when the text is not RFC 3339.
bool parse_rfc3339(const std::string& text, int64_t& unix_s);

}  // namespace fanout
