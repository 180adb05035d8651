// Inputs the spool payload decoder's fuzzer (fuzz/event_codec_fuzz.cpp) found, and the exactness its fix
// keeps: the decoder reads numbers itself (std::from_chars), not through RapidJSON's conversions.
#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/event_codec.h"

namespace fanout {
namespace {

// RapidJSON 1.1.0's full-precision path indexed its table of powers of ten out of range for a long mantissa
// with an exponent near -339 (signed overflow in GetCachedPower10; under ASan a read out of bounds). No
// payload fanout writes holds such a number (it underflows a double): refused, with a reason, not read.
TEST(EventCodecFuzzRegressions, ALongMantissaWithAVeryNegativeExponentIsRefused) {
  for (const char* number :
       {"999999929.99999999999999999999199999999000000000002000000000000000000000000000000000000000033e-339",
        "1e-400", "2e-324"}) {
    for (const std::string& payload : {std::string(R"({"event_id":"a","value":)") + number + "}",
                                       std::string(R"({"properties":{"n":)") + number + "}}"}) {
      auto decoded = decode_event(payload);
      ASSERT_FALSE(decoded) << payload;
      EXPECT_EQ(decoded.error().code, "invalid_payload");
      EXPECT_NE(decoded.error().message.find("out of range"), std::string::npos) << decoded.error().message;
    }
  }
  // Too big: RapidJSON's own scan refuses it before any conversion.
  EXPECT_FALSE(decode_event(R"({"value":1e309})"));
}

// The same path read a zero mantissa with an exponent as garbage ("0e99" became 1.5e82).
TEST(EventCodecFuzzRegressions, AZeroMantissaWithAnExponentIsZero) {
  for (const char* number : {"0e99", "0E+300", "0.000e-400", "-0e5"}) {
    auto decoded = decode_event(std::string(R"({"value":)") + number + R"(,"properties":{"n":)" + number + "}}");
    ASSERT_TRUE(decoded) << number << ": " << decoded.error().message;
    EXPECT_EQ(decoded->value, 0.0) << number;
    EXPECT_TRUE(decoded->properties_json == R"({"n":0.0})" || decoded->properties_json == R"({"n":-0.0})")
        << decoded->properties_json;
  }
}

std::string property_text(double v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("v");
  w.Double(v);
  w.EndObject();
  return buffer.GetString();
}

// Doubles that need 16 or 17 significant digits, where RapidJSON's normal precision can be an ulp off: what
// the encoder writes decodes to the very same double, in the event's fields and inside its properties.
TEST(EventCodecFuzzRegressions, EveryDoubleTheEncoderWritesDecodesToItself) {
  const double values[] = {0.1 + 0.2,
                           1.0 / 3.0,
                           2.0 / 3.0 * 1e-5,
                           123456789.12345678,
                           9007199254740993.0 * 3,
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::min(),
                           std::numeric_limits<double>::denorm_min(),
                           std::nextafter(1e23, 0.0),
                           8.41e21,
                           5.0e-324 * 3,
                           -0.0};
  for (double v : values) {
    Event e;
    e.event_id = "a";
    e.value = v;
    e.contents = {Content{"sku", v, -v, "", ""}};
    e.properties_json = property_text(v);  // as intake stores it: written by RapidJSON's Writer
    const std::string payload = encode_event(e);
    auto decoded = decode_event(payload);
    ASSERT_TRUE(decoded) << v << ": " << decoded.error().message;
    EXPECT_EQ(std::signbit(*decoded->value), std::signbit(v));
    EXPECT_EQ(*decoded->value, v) << payload;
    EXPECT_EQ(*decoded->contents[0].quantity, v);
    EXPECT_EQ(*decoded->contents[0].price, -v);
    EXPECT_EQ(decoded->properties_json, e.properties_json);
    EXPECT_EQ(encode_event(*decoded), payload);
  }
}

// Integers keep their type and value to the last bit of 64; past 64 bits they are doubles, as in RapidJSON.
TEST(EventCodecFuzzRegressions, IntegersKeepTheirTypeAndEveryBit) {
  auto decoded = decode_event(R"({"event_time":-9223372036854775808,"received_at_ms":9223372036854775807,)"
                              R"("properties":{"u":18446744073709551615,"big":184467440737095516150,"neg":-0}})");
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->event_time, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(decoded->received_at_ms, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(decoded->properties_json, R"({"u":18446744073709551615,"big":184467440737095500000.0,"neg":0})");
  auto again = decode_event(encode_event(*decoded));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->properties_json, decoded->properties_json);
  EXPECT_FALSE(decode_event(R"({"event_time":9223372036854775808})")) << "past int64 is no event_time";
}

}  // namespace
}  // namespace fanout
