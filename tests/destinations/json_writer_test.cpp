// Strings written by the destinations' JSON writer read back as the same text, whatever character needs
// escaping and wherever it falls. The writer (core/json_writer.h) copies unescaped runs in blocks and must not
// let one through: RapidJSON 1.1.0's own SSE2 path (RAPIDJSON_SSE2) passes 0x1A-0x1F unescaped, which this
// test caught, so that option stays off. Each control character, '"', '\\', '/', DEL and UTF-8 sequences are
// placed at every offset across several blocks, with the string's start moved against their alignment;
// tests/core/json_writer_test.cpp compares the writer's bytes with RapidJSON's own.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <string>

#include "destinations/json_writer.h"

namespace fanout::dest {
namespace {

std::string round_trip(const std::string& value) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put(w, "k", value);
  w.EndObject();
  rapidjson::Document doc;
  doc.Parse(buf.GetString(), buf.GetSize());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("k")) return "<not JSON: " + std::string(buf.GetString()) + ">";
  return std::string(doc["k"].GetString(), doc["k"].GetStringLength());
}

TEST(JsonWriter, EscapesEachSpecialCharacterAtEveryOffset) {
  std::string specials = "\"\\/\x7f";  // '/' and DEL are not escaped, and must survive too
  for (int c = 0; c < 0x20; ++c) specials += static_cast<char>(c);
  for (const char special : specials) {
    for (size_t prefix = 0; prefix < 16; ++prefix) {  // moves the string's start against 16-byte alignment
      for (size_t at = 0; at < 48; ++at) {
        std::string s(prefix + 48, 'a');
        s[prefix + at] = special;
        EXPECT_EQ(round_trip(s), s) << "character " << int(special) << " at " << at << ", prefix " << prefix;
      }
    }
  }
}

TEST(JsonWriter, KeepsEachUtf8SequenceAtEveryOffset) {
  for (const std::string seq : {"\xc3\xa9", "\xe6\x9d\xb1", "\xf0\x9f\x99\x82"}) {  // é, 東, 🙂
    for (size_t prefix = 0; prefix < 16; ++prefix) {
      for (size_t at = 0; at + seq.size() <= 48; ++at) {
        std::string s(prefix + 48, 'a');
        s.replace(prefix + at, seq.size(), seq);
        EXPECT_EQ(round_trip(s), s) << "sequence of " << seq.size() << " bytes at " << at << ", prefix " << prefix;
      }
    }
  }
}

TEST(JsonWriter, WritesControlCharactersAsEscapes) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  const std::string s = std::string(20, 'x') + "\"\\\n\x01" + std::string(20, 'y');
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  EXPECT_EQ(std::string(buf.GetString(), buf.GetSize()),
            "\"" + std::string(20, 'x') + "\\\"\\\\\\n\\u0001" + std::string(20, 'y') + "\"");
}

TEST(JsonWriter, KeepsUtf8AsIs) {
  const std::string s = "Zürich São Paulo 東京 " + std::string(30, 'z') + " ñ";
  EXPECT_EQ(round_trip(s), s);
}

}  // namespace
}  // namespace fanout::dest
