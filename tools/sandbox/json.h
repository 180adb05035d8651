#pragma once
// Small helpers the sandbox uses to read requests (RapidJSON, query strings, forms) and write answers
// (RapidJSON's Writer: escaping and number formatting are the library's, not ours).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fanout::sandbox {

using Json = rapidjson::Value;

// A request body parsed as JSON (a kNullType document when it is not JSON). Parses a private copy of the
// bytes in place, so strings are not copied one by one and the caller keeps the original body (for the
// request log); the first kInlineBytes of the DOM live inside this object, so small bodies (GA4's, one per
// event) cost no allocation for it. Views of its strings are valid while it lives.
class ParsedJson {
 public:
  explicit ParsedJson(std::string_view body);
  ParsedJson(const ParsedJson&) = delete;
  ParsedJson& operator=(const ParsedJson&) = delete;

  const rapidjson::Document& doc() const { return doc_; }
  bool is_json() const { return is_json_; }

 private:
  static constexpr size_t kInlineBytes = 8192;

  alignas(8) char inline_[kInlineBytes];
  std::string text_;  // the copy the DOM's strings point into
  rapidjson::MemoryPoolAllocator<> pool_;
  rapidjson::Document doc_;
  bool is_json_ = false;
};

// The member `name` of `object`, or nullptr when `object` is not an object or lacks it.
const Json* member(const Json& object, const char* name);

// The member as a string view when it is a string, else nullopt.
std::optional<std::string_view> string_member(const Json& object, const char* name);

// The member as an integer when it is an integral JSON number, else nullopt.
std::optional<int64_t> int_member(const Json& object, const char* name);

// True for a non-empty string member.
bool has_text(const Json& object, const char* name);

// SHA-256 as platforms want it: exactly 64 lowercase hex characters.
bool is_sha256_hex(std::string_view text);

// A hashed field: a SHA-256 hex string, or a non-empty array of them.
bool is_hashed_value(const Json& value);

// A JSON text written in order with RapidJSON's Writer. Chained calls mirror the document:
//   JsonOut j; j.begin_object().field("code", 40002).field("message", text).end_object(); j.take();
class JsonOut {
 public:
  JsonOut() : writer_(buffer_) {}
  JsonOut(const JsonOut&) = delete;
  JsonOut& operator=(const JsonOut&) = delete;

  JsonOut& begin_object();
  JsonOut& end_object();
  JsonOut& begin_array();
  JsonOut& end_array();
  JsonOut& key(std::string_view name);
  JsonOut& value(std::string_view text);
  JsonOut& value(const char* text) { return value(std::string_view(text)); }
  JsonOut& value(const std::string& text) { return value(std::string_view(text)); }
  JsonOut& value(int64_t number);
  JsonOut& value(uint64_t number);
  JsonOut& value(int number) { return value(static_cast<int64_t>(number)); }
  JsonOut& value(unsigned number) { return value(static_cast<uint64_t>(number)); }
  JsonOut& value(bool flag);
  JsonOut& null();
  // An already serialized JSON value (a request body recorded as JSON), copied as it is.
  JsonOut& raw(std::string_view json);
  template <typename T>
  JsonOut& field(std::string_view name, const T& v) {
    return key(name).value(v);
  }

  // The text written so far; the document should be complete.
  std::string take() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

// Decodes "%41" and "+" (form encoding).
std::string percent_decode(std::string_view text);

// "a=1&b=x%20y" -> {a: 1, b: "x y"}; also for application/x-www-form-urlencoded bodies. Repeats: last wins.
std::map<std::string, std::string> parse_query(std::string_view text);

}  // namespace fanout::sandbox
