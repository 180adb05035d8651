#pragma once
// Small JSON text helpers for the console's answers (string escaping, numbers).
#include <string>
#include <string_view>

namespace fanout::console {

// Appends `s` as a JSON string literal (quotes included); control characters and non-UTF-8-safe bytes
// below 0x20 are escaped, '<' too so a body can never close a script or style element.
void append_json_string(std::string& out, std::string_view s);

// Appends a number as JSON (integers without a fraction; non-finite as 0).
void append_json_number(std::string& out, double v);

}  // namespace fanout::console
