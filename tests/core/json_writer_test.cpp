// fanout's JsonWriter writes the very bytes RapidJSON's own Writer writes: the request bodies sent to the
// platforms and the spool payload must not change with it. Its string path scans 8 bytes at a time and copies
// clean runs whole, so each byte value is tried at every position of those blocks, with the string's start
// moved against their alignment, next to others, alone, and in long strings that grow the buffer.
#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <limits>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace fanout {
namespace {

using Stock = rapidjson::Writer<rapidjson::StringBuffer>;

// `["<s>"]` written by the writer W (the array makes the string a value, not the whole text).
template <typename W>
std::string write(std::string_view s) {
  rapidjson::StringBuffer buf;
  W w(buf);
  w.StartArray();
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

// A printable rendering of a string for failure messages.
std::string shown(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "<%02X>", c);
      out += hex;
    }
  }
  return out;
}

void expect_same_as_rapidjson(std::string_view s) {
  EXPECT_EQ(write<JsonWriter>(s), write<Stock>(s)) << "string " << shown(s);
}

TEST(JsonWriterBytes, EachByteValueAtEveryOffsetAndAlignmentIsWrittenAsRapidJsonWritesIt) {
  // Offsets cover three 8-byte blocks and the tail after them; the start moves across a 16-byte alignment.
  constexpr size_t kLength = 27;
  alignas(64) char buf[64 + kLength];
  for (int byte = 0; byte < 256; ++byte) {
    for (size_t start = 0; start < 16; ++start) {
      for (size_t at = 0; at < kLength; ++at) {
        std::memset(buf, 'a', sizeof buf);
        buf[start + at] = static_cast<char>(byte);
        expect_same_as_rapidjson(std::string_view(buf + start, kLength));
      }
    }
  }
}

TEST(JsonWriterBytes, EveryLengthUpToFourBlocksWithTheSpecialCharacterLastOrNowhere) {
  for (const char special : {'"', '\\', '\x00', '\x1a', '\x1f', '\x7f', '/'}) {
    for (size_t n = 0; n <= 33; ++n) {
      std::string s(n, 'x');
      expect_same_as_rapidjson(s);
      if (n > 0) s.back() = special;
      expect_same_as_rapidjson(s);
    }
  }
}

TEST(JsonWriterBytes, StringsOfOnlyCharactersToEscape) {
  std::string all;
  for (int c = 0; c < 0x20; ++c) all += static_cast<char>(c);
  all += "\"\\";
  expect_same_as_rapidjson(all);
  // Each escape grows the text up to six times; from an empty buffer this reallocates many times.
  std::string many;
  for (int i = 0; i < 2000; ++i) many += all;
  expect_same_as_rapidjson(many);
  expect_same_as_rapidjson(std::string(5000, '\x01'));
  expect_same_as_rapidjson(std::string(5000, '"'));
}

TEST(JsonWriterBytes, RandomStringsRichInCharactersToEscape) {
  uint64_t state = 0x9E3779B97F4A7C15ULL;  // a fixed seed: the same strings on every run
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  static constexpr char kPool[] = "\"\\/\x01\x08\x09\x0a\x0c\x0d\x1a\x1f\x20\x7f\x80\xc3\xa9\xff" "aZ09";
  for (int round = 0; round < 3000; ++round) {
    std::string s(next() % 100, 'q');
    for (char& c : s)
      if (next() % 3 == 0) c = kPool[next() % (sizeof kPool - 1)];
    expect_same_as_rapidjson(s);
  }
}

TEST(JsonWriterBytes, Utf8AndLongCleanTextPassUnchanged) {
  const std::string text = "Zürich São Paulo 東京 🙂 " + std::string(100, 'z') + " ñ";
  EXPECT_EQ(write<JsonWriter>(text), "[\"" + text + "\"]");
  expect_same_as_rapidjson(text);
  const std::string hash(64, 'f');
  EXPECT_EQ(write<JsonWriter>(hash), "[\"" + hash + "\"]");
}

// Keys, raw values, numbers and a whole document as a handler (the spool codec re-emits `properties` so).
TEST(JsonWriterBytes, DocumentsAndRawValuesAreWrittenAsRapidJsonWritesThem) {
  const std::string json =
      R"({"a\"b":"x\ty","n":-12,"u":18446744073709551615,"d":0.1,"e":1e300,"t":true,"f":false,"z":null,)"
      R"("arr":[1,"\u001a",{"k":"v\\"}],"o":{},"l":[],"s":"\u00e9\/"})";
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  ASSERT_FALSE(doc.HasParseError());
  auto accept = [&]<typename W>() {
    rapidjson::StringBuffer buf;
    W w(buf);
    doc.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
  };
  EXPECT_EQ(accept.operator()<JsonWriter>(), accept.operator()<Stock>());

  auto raw = [&]<typename W>() {
    rapidjson::StringBuffer buf;
    W w(buf);
    w.StartObject();
    w.Key("first");
    w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    w.Key("empty\n");
    w.RawValue("{}", 2, rapidjson::kObjectType);
    w.Key("last");
    w.Double(2.5);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
  };
  EXPECT_EQ(raw.operator()<JsonWriter>(), raw.operator()<Stock>());
}

// Every call of the writer, nested every way, at the root and inside arrays and objects.
template <typename W>
std::string every_call() {
  rapidjson::StringBuffer buf;
  W w(buf);
  w.StartArray();
  w.Null();
  w.Bool(true);
  w.Bool(false);
  w.Int(std::numeric_limits<int>::min());
  w.Int(0);
  w.Uint(std::numeric_limits<unsigned>::max());
  w.Int64(std::numeric_limits<int64_t>::min());
  w.Int64(std::numeric_limits<int64_t>::max());
  w.Uint64(std::numeric_limits<uint64_t>::max());
  for (double d : {0.0, -0.0, 0.1, 2.0, -12.5, 1e-7, 1e21, 5e-324, 1.7976931348623157e308, 123456789012345680.0,
                   0.30000000000000004, 19.99})
    w.Double(d);
  w.StartObject();
  w.EndObject();
  w.StartArray();
  w.EndArray();
  w.StartArray();
  w.StartArray();
  w.String("a");
  w.EndArray();
  w.StartObject();
  w.Key("k\"\x01");
  w.StartArray();
  w.RawValue("{\"raw\":[1,2]}", 13, rapidjson::kObjectType);
  w.String("s", 1);
  w.EndArray();
  w.Key("n");
  w.Null();
  w.Key("o");
  w.StartObject();
  w.Key("deep");
  w.Int(1);
  w.EndObject();
  w.EndObject();
  w.EndArray();
  w.RawValue("7", 1, rapidjson::kNumberType);
  // NaN has no JSON form: both write the separator only and answer false.
  EXPECT_FALSE(w.Double(std::numeric_limits<double>::quiet_NaN()));
  w.String("after");
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

TEST(JsonWriterBytes, EveryCallNestedEveryWayIsWrittenAsRapidJsonWritesIt) {
  EXPECT_EQ(every_call<JsonWriter>(), every_call<Stock>());
  for (const char* root : {"", "text"}) {  // a string alone as the whole text
    EXPECT_EQ(write<JsonWriter>(root), write<Stock>(root));
    rapidjson::StringBuffer mine, theirs;
    JsonWriter w1(mine);
    Stock w2(theirs);
    w1.String(root);
    w2.String(root);
    EXPECT_EQ(std::string(mine.GetString(), mine.GetSize()), std::string(theirs.GetString(), theirs.GetSize()));
  }
}

}  // namespace
}  // namespace fanout
