#include "telemetry/log.h"

#include <unistd.h>

#include <atomic>
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
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

Line::Line(std::string_view msg, Level lvl) : enabled_(lvl >= g_level.load(std::memory_order_relaxed)) {
  if (!enabled_) return;
  buf_.reserve(256);
  buf_ += "{\"ts\":\"";
  buf_ += format_rfc3339_ms(now_ms());
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
  buf_ += std::to_string(value);
  return *this;
}

Line& Line::num(std::string_view key, double value) {
  if (!enabled_) return *this;
  char tmp[32];
  std::snprintf(tmp, sizeof tmp, "%.3f", value);
  buf_.push_back(',');
  append_json_string(buf_, key);
  buf_.push_back(':');
  buf_ += tmp;
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
