#pragma once
// The JSON writer of the request bodies and of the spool payload: the bytes RapidJSON 1.1.0's Writer writes,
// with fewer instructions. RapidJSON looks at a string one character at a time (a table look-up and a store
// per byte), and the strings fanout writes are mostly long and need no escaping (hex SHA-256 values, ids, URLs,
// user agents): here 16 bytes (SSE2) or 8 are copied and tested at once (json_clean_run.h). RapidJSON
// also keeps a stack of nesting levels to place commas and colons; here one flag does, because every caller
// writes a value after each key. The escapes are RapidJSON's own: \" \\ \b \f \n \r \t, \u00XX (upper-case hex)
// for the other bytes below 0x20; '/', 0x7F and UTF-8 pass as they are (RapidJSON's SSE2 path is not used:
// 1.1.0 lets 0x1A-0x1F through unescaped). Numbers are converted by RapidJSON's own functions.
// tests/core/json_writer_test.cpp holds the output to rapidjson::Writer's byte for byte: every byte value at
// every offset and alignment, every kind of value, whole documents.
//
// It has the calls of RapidJSON's Handler concept, so Document::Accept can write through it, and writes into
// a rapidjson::StringBuffer as rapidjson::Writer<StringBuffer> does.
#include <rapidjson/internal/dtoa.h>
#include <rapidjson/internal/itoa.h>
#include <rapidjson/rapidjson.h>
#include <rapidjson/stringbuffer.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace fanout {

class JsonWriter {
 public:
  using Ch = char;
  using SizeType = rapidjson::SizeType;

  explicit JsonWriter(rapidjson::StringBuffer& out) : out_(out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  bool Null() { return literal("null", 4); }
  bool Bool(bool b) { return b ? literal("true", 4) : literal("false", 5); }
  bool Int(int i) {
    char digits[11];
    return number(digits, rapidjson::internal::i32toa(i, digits));
  }
  bool Uint(unsigned u) {
    char digits[10];
    return number(digits, rapidjson::internal::u32toa(u, digits));
  }
  bool Int64(int64_t i) {
    char digits[21];
    return number(digits, rapidjson::internal::i64toa(i, digits));
  }
  bool Uint64(uint64_t u) {
    char digits[20];
    return number(digits, rapidjson::internal::u64toa(u, digits));
  }
  // As rapidjson::Writer: NaN and infinities have no JSON form; nothing is written but the separator, and the
  // call fails (which stops a Document::Accept).
  bool Double(double d) {
    separate();
    if (!std::isfinite(d)) return false;
    char digits[25];
    char* end = rapidjson::internal::dtoa(d, digits, kMaxDecimalPlaces);
    write(digits, static_cast<size_t>(end - digits));
    return true;
  }

  bool String(const Ch* s, SizeType length, bool /*copy*/ = false) {
    separate();
    write_string(s, length);
    return true;
  }
  bool String(const Ch* s) { return String(s, static_cast<SizeType>(std::strlen(s))); }

  // A member's name and its colon; the member's value must follow.
  bool Key(const Ch* s, SizeType length, bool /*copy*/ = false) {
    separate();
    write_string(s, length);
    out_.Put(':');
    comma_ = false;
    return true;
  }
  bool Key(const Ch* s) { return Key(s, static_cast<SizeType>(std::strlen(s))); }

  bool StartObject() { return open('{'); }
  bool EndObject(SizeType /*members*/ = 0) { return close('}'); }
  bool StartArray() { return open('['); }
  bool EndArray(SizeType /*elements*/ = 0) { return close(']'); }

  // A value already in JSON text, copied as it is.
  bool RawValue(const Ch* json, size_t length, rapidjson::Type /*type*/) {
    separate();
    write(json, length);
    return true;
  }

 private:
  // rapidjson::Writer's default: a double is written with as many decimals as it takes to read back the same.
  static constexpr int kMaxDecimalPlaces = 324;

  // The comma before a value or key that is not the first of its array or object.
  void separate() {
    if (comma_) out_.Put(',');
    comma_ = true;
  }
  bool open(char bracket) {
    separate();
    out_.Put(bracket);
    comma_ = false;
    return true;
  }
  bool close(char bracket) {
    out_.Put(bracket);
    comma_ = true;
    return true;
  }
  bool literal(const char* text, size_t length) {
    separate();
    write(text, length);
    return true;
  }
  bool number(const char* digits, const char* end) {
    separate();
    write(digits, static_cast<size_t>(end - digits));
    return true;
  }
  void write(const char* text, size_t length) {
    if (length != 0) std::memcpy(out_.Push(length), text, length);
  }
  // `"` s `"`, escaped as RapidJSON escapes it (json_writer.cpp).
  void write_string(const Ch* s, size_t n);
  // The rest of a string from its first byte to escape, and the closing quote.
  void write_escaped(const Ch* s, size_t n);

  rapidjson::StringBuffer& out_;
  bool comma_ = false;  // something was written at this level: the next value or key takes a comma
};

}  // namespace fanout
