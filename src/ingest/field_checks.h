#pragma once
// Small, pure checks and normalizations of single canonical-event fields (docs/api.md, "The canonical event").
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fanout::ingest {

// Bounds on what one event may carry; a body is also capped by server.max_body_bytes.
inline constexpr size_t kMaxEventIdBytes = 256;       // docs/api.md
inline constexpr size_t kMaxEventNameBytes = 128;     // longer than any platform event name
inline constexpr size_t kMaxUrlBytes = 4096;          // browsers' practical URL limit
inline constexpr size_t kMaxStringBytes = 1024;       // any other string field (user agent, ids, names, ...)
inline constexpr size_t kMaxIdentifiers = 10;         // emails or phones per event
inline constexpr size_t kMaxContents = 1000;          // items in contents[]
inline constexpr size_t kMaxPropertiesBytes = 65536;  // `properties` as compact JSON
inline constexpr size_t kMaxPropertiesDepth = 16;     // nesting inside `properties`
inline constexpr int64_t kMaxFutureSeconds = 300;     // docs/api.md: more than 5 min in the future is invalid
inline constexpr int64_t kMinEventTime = 946684800;   // 2000-01-01T00:00:00Z: anything older is a unit mistake

// True for one of docs/api.md's action_source values.
bool is_action_source(std::string_view s);

// True for an absolute http(s) URL with a host and no whitespace or control characters.
bool is_http_url(std::string_view s);

// True for a literal IPv4 or IPv6 address.
bool is_ip_address(std::string_view s);

// Three ASCII letters, upper-cased ("usd" -> "USD"); nullopt otherwise.
std::optional<std::string> normalize_currency(std::string_view s);

// The GA4 client id from a `_ga` cookie value ("GA1.1.<a>.<b>", "GA1.2.<a>.<b>": the last two dot-separated
// parts, parsed from the right) or an id already in "<a>.<b>" form or any other id (kept as sent, trimmed).
// nullopt when nothing remains.
std::optional<std::string> normalize_ga_client_id(std::string_view s);

// The GA4 session id from a `_ga_<stream>` cookie value ("GS1.1.<sid>.<n>...", "GS2.1.s<sid>$o1$...") or a
// bare id (kept as sent, trimmed). nullopt when nothing remains.
std::optional<std::string> normalize_ga_session_id(std::string_view s);

// True when every byte is printable (no ASCII control characters); UTF-8 is already validated by the parser.
bool is_printable(std::string_view s);

// `s` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view s);

// True when `s` begins with `prefix`, ASCII case ignored (`prefix` is given in lower case).
bool starts_with_nocase(std::string_view s, std::string_view prefix);

// `s` without leading and trailing white space as people paste it: ASCII white space (tab, CR, LF, ...) and the
// Unicode spaces U+0085, U+00A0 (NBSP), U+1680, U+2000..U+200B, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF.
// `s` is valid UTF-8 (the parser checked it).
std::string_view trim_white_space(std::string_view s);

}  // namespace fanout::ingest
