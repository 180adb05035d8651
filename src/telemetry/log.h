#pragma once
// Structured logs: one JSON object per line on stderr. Never pass secrets or raw personal data.
//   log::Line("http_request").str("route", "/v1/events").num("status", 202).emit();
#include <cstddef>
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
  void emit();  // writes the line atomically to stderr (or hands it to this thread's Batch)

 private:
  std::string buf_;
  bool enabled_;
};

// While a Batch is alive, the lines its thread emits are collected and written together when it flushes
// (on flush() and when it goes out of scope) instead of one write() each: the delivery thread logs a line
// per attempt, which for GA4 is a line per event. Each write() holds whole lines and at most
// kMaxBatchWrite bytes (PIPE_BUF), so lines from other threads never interleave with them. One Batch per
// thread at a time; lines keep their own timestamps.
class Batch {
 public:
  Batch();
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  void flush();

 private:
  std::string buf_;
};
constexpr size_t kMaxBatchWrite = 4096;

// JSON string escaping (quotes included).
void append_json_string(std::string& out, std::string_view s);

}  // namespace fanout::log
