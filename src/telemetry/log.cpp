#include "telemetry/log.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/clock.h"

namespace fanout::log {
namespace {
Level initial_level() {
  const char* env = std::getenv("FANOUT_LOG_LEVEL");
  if (!env) return Level::info;
  if (!std::strcmp(env, "debug")) return Level::debug;
  if (!std::strcmp(env, "warn")) return Level::warn;
  if (!std::strcmp(env, "error")) return Level::error;
  return Level::info;
}
std::atomic<Level> g_level{initial_level()};
thread_local std::string* t_batch = nullptr;  // the buffer of this thread's live Batch, if any

// Writes all of `text` to stderr; one write() unless the kernel takes less.
void write_all(std::string_view text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}
// Appends format_rfc3339_ms(unix_ms). The date and time up to the second are formatted once per second
// per thread (gmtime_r and snprintf are ~4k instructions, a line is written per delivery attempt); the
// milliseconds are appended as digits.
void append_timestamp(std::string& out, int64_t unix_ms) {
  thread_local int64_t cached_second = -1;
  thread_local std::string prefix;  // "YYYY-MM-DDTHH:MM:SS." of cached_second
  if (unix_ms < 0) {
    out += format_rfc3339_ms(unix_ms);
    return;
  }
  const int64_t second = unix_ms / 1000;
  if (second != cached_second) {
    std::string full = format_rfc3339_ms(unix_ms);  // ends in ".mmmZ"
    prefix.assign(full, 0, full.size() - 4);
    cached_second = second;
  }
  const int millis = static_cast<int>(unix_ms % 1000);
  out += prefix;
  out.push_back(static_cast<char>('0' + millis / 100));
  out.push_back(static_cast<char>('0' + millis / 10 % 10));
  out.push_back(static_cast<char>('0' + millis % 10));
  out.push_back('Z');
}

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}
}  // namespace

void set_level(Level level) { g_level = level; }
Level level() { return g_level; }

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t plain = 0;  // start of the run of bytes that need no escape, appended in one go
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", c);
        out += esc;
      }
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

Line::Line(std::string_view msg, Level lvl) : enabled_(lvl >= g_level.load(std::memory_order_relaxed)) {
  if (!enabled_) return;
  buf_.reserve(256);
  buf_ += "{\"ts\":\"";
  append_timestamp(buf_, now_ms());
  buf_ += "\",\"level\":\"";
  buf_ += level_name(lvl);
  buf_ += "\",\"msg\":";
  append_json_string(buf_, msg);
}

Line& Line::str(std::string_view key, std::string_view value) {
  if (!enabled_) return *this;
  buf_.push_back(',');
  append_json_string(buf_, key);
  buf_.push_back(':');
  append_json_string(buf_, value);
  return *this;
}

Line& Line::num(std::string_view key, int64_t value) {
  if (!enabled_) return *this;
  buf_.push_back(',');
  append_json_string(buf_, key);
  buf_.push_back(':');
  char tmp[24];  // any int64 in decimal
  buf_.append(tmp, std::to_chars(tmp, tmp + sizeof tmp, value).ptr);
  return *this;
}

Line& Line::num(std::string_view key, double value) {
  if (!enabled_) return *this;
  // to_chars with a precision writes what printf's "%.3f" writes, without the printf machinery. 350
  // bytes hold the longest (1.8e308 with three decimals); "inf" and "nan" come out as printf's too.
  char tmp[350];
  buf_.push_back(',');
  append_json_string(buf_, key);
  buf_.push_back(':');
  buf_.append(tmp, std::to_chars(tmp, tmp + sizeof tmp, value, std::chars_format::fixed, 3).ptr);
  return *this;
}

Line& Line::boolean(std::string_view key, bool value) {
  if (!enabled_) return *this;
  buf_.push_back(',');
  append_json_string(buf_, key);
  buf_ += value ? ":true" : ":false";
  return *this;
}

Line& Line::raw(std::string_view key, std::string_view json) {
  if (!enabled_) return *this;
  buf_.push_back(',');
  append_json_string(buf_, key);
  buf_.push_back(':');
  buf_ += json;
  return *this;
}

void Line::emit() {
  if (!enabled_) return;
  enabled_ = false;
  buf_ += "}\n";
  if (t_batch == nullptr) {
    write_all(buf_);  // one write() per line: lines from several threads never interleave
    return;
  }
  if (!t_batch->empty() && t_batch->size() + buf_.size() > kMaxBatchWrite) {
    write_all(*t_batch);
    t_batch->clear();
  }
  *t_batch += buf_;
}

Batch::Batch() {
  buf_.reserve(kMaxBatchWrite);
  if (t_batch == nullptr) t_batch = &buf_;
}

Batch::~Batch() {
  flush();
  if (t_batch == &buf_) t_batch = nullptr;
}

void Batch::flush() {
  if (buf_.empty()) return;
  write_all(buf_);
  buf_.clear();
}

}  // namespace fanout::log
