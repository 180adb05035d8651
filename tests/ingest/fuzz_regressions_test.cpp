// Inputs the event parser and legacy fuzzers (fuzz/) found, kept as tests of what intake makes of them.
#include <gtest/gtest.h>

#include "parse_support.h"

namespace fanout::ingest {
namespace {

using testing::parse;

// RapidJSON 1.1.0 passes 0 to __builtin_clzll while parsing a zero mantissa with a large exponent (full
// precision mode): such numbers must still come out as 0, never as garbage.
TEST(ParserFuzzRegressions, AZeroMantissaWithALargeExponentIsZero) {
  for (const char* number : {"0e099", "0e-400", "0.000e-400", "0E+300"}) {
    auto p = parse(std::string(R"({"event_id":"e1","event_name":"purchase","currency":"USD","value":)") + number + "}");
    ASSERT_TRUE(p.result) << number << ": " << (p.errors.empty() ? p.result.error().message : p.errors[0].message);
    ASSERT_TRUE(p.result->events[0].value.has_value()) << number;
    EXPECT_EQ(*p.result->events[0].value, 0.0) << number;
  }
}

// RapidJSON refuses an exponent beyond 308 whatever the mantissa: "0e400" is reported like 1e400, on its
// field, rather than read as 0.
TEST(ParserFuzzRegressions, AZeroWithAnExponentBeyondADoubleIsOutOfRangeOnItsField) {
  auto p = parse(R"({"event_id":"e1","event_name":"purchase","currency":"USD","value":0e400})");
  ASSERT_FALSE(p.result);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].field, "value");
}

// A long mantissa with an exponent near -339 made RapidJSON's full-precision path index its table of powers
// of ten out of range (found by fuzz/legacy_fuzz.cpp; under ASan a read out of bounds). Parsed in normal
// precision it is a tiny number.
TEST(ParserFuzzRegressions, ALongMantissaWithAVeryNegativeExponentIsTiny) {
  auto p = parse(R"({"event_id":"e1","event_name":"purchase","currency":"USD","value":)"
                 "999999929.99999999999999999999199999999000000000002000000000000000000000000000000000000000033e-339}");
  ASSERT_TRUE(p.result) << (p.errors.empty() ? p.result.error().message : p.errors[0].message);
  ASSERT_TRUE(p.result->events[0].value.has_value());
  EXPECT_LT(*p.result->events[0].value, 1e-300);
}

}  // namespace
}  // namespace fanout::ingest
