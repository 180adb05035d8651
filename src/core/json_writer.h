#pragma once
// The JSON writer of the request bodies and of the spool payload: RapidJSON's Writer, writing strings and raw
// values with fewer instructions and the very same bytes. RapidJSON 1.1.0 looks at a string one character at
// a time (a table look-up and a store per byte), and the strings fanout writes are mostly long and need no
// escaping (hex SHA-256 values, ids, URLs, user agents). Here a string is scanned 8 bytes at a time for the
// characters JSON must escape, and each clean run is copied whole. The escapes are RapidJSON's own: \" \\ \b
// \f \n \r \t, \u00XX (upper-case hex) for the other bytes below 0x20; '/', 0x7F and UTF-8 pass as they are
// (RapidJSON's SSE2 path is not used: 1.1.0 lets 0x1A-0x1F through unescaped). tests/core/json_writer_test.cpp
// holds the output to RapidJSON's byte for byte, for every byte value at every offset and alignment.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <cstring>
#include <string>

namespace fanout {

class JsonWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
  using Base = rapidjson::Writer<rapidjson::StringBuffer>;

 public:
  using Base::Base;
  using Ch = char;
  using SizeType = rapidjson::SizeType;

  // The Handler calls of the base that write strings and raw text are replaced; the others are the base's.
  bool String(const Ch* s, SizeType length, bool /*copy*/ = false) {
    Prefix(rapidjson::kStringType);
    write_string(s, length);
    return EndValue(true);
  }
  bool String(const Ch* s) { return String(s, static_cast<SizeType>(std::strlen(s))); }
  bool String(const std::string& s) { return String(s.data(), static_cast<SizeType>(s.size())); }
  bool Key(const Ch* s, SizeType length, bool copy = false) { return String(s, length, copy); }
  bool Key(const Ch* s) { return String(s); }
  bool RawValue(const Ch* json, size_t length, rapidjson::Type type) {
    Prefix(type);
    if (length != 0) std::memcpy(os_->Push(length), json, length);
    return EndValue(true);
  }

 private:
  // `"` s `"`, escaped as RapidJSON escapes it (json_writer.cpp).
  void write_string(const Ch* s, size_t n);
};

}  // namespace fanout
