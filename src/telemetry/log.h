#pragma once
// Structured logs: one JSON object per line on stderr. Never pass secrets or raw personal data.
//   log::Line("http_request").str("route", "/v1/events").num("status", 202).emit();
#include <cstdint>
#include <string>
#include <string_view>

namespace fanout::log {

enum class Level { debug, info, warn, error };

// Lines below this level are dropped (default info; FANOUT_LOG_LEVEL=debug|info|warn|error).
void set_level(Level level);
Level level();

class Line {
 public:
  explicit Line(std::string_view msg, Level level = Level::info);
  Line& str(std::string_view key, std::string_view value);
  Line& num(std::string_view key, int64_t value);
  Line& num(std::string_view key, double value);
  Line& boolean(std::string_view key, bool value);
  Line& raw(std::string_view key, std::string_view json);  // value already JSON
  void emit();  // writes the line atomically to stderr

 private:
  std::string buf_;
  bool enabled_;
};

// JSON string escaping (quotes included).
void append_json_string(std::string& out, std::string_view s);

}  // namespace fanout::log
