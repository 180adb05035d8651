// Inputs the config fuzzer (fuzz/config_fuzz.cpp) found, kept as tests of the loader.
#include <gtest/gtest.h>

#include "app/config.h"

namespace fanout::app {
namespace {

// toml++ 3.3 asserts on a table name starting with '.' before reporting it; with its assertions on (a Debug
// build before cmake/library_asserts.cmake) check-config aborted on this typo instead of naming it.
TEST(ConfigFuzzRegressions, ATableNameStartingWithADotIsAParseErrorWithItsPosition) {
  for (const char* text : {"[.tiktok]\npixel_code = \"C\"\n", "[destinations.]\n", ".a = 1\n", "a..b = 1\n"}) {
    auto c = load_config_text(text, "fuzz.toml", LoadOptions{.redact_secrets = true});
    ASSERT_FALSE(c) << text;
    EXPECT_EQ(c.error().code, "invalid_config");
    EXPECT_EQ(c.error().message.rfind("fuzz.toml:", 0), 0u) << c.error().message;
  }
}

// toml++ 3.3.0 reaches TOML_UNREACHABLE (undefined behaviour) deciding whether U+035C outside a string is
// whitespace. GCC's code answers a parse error, at -O0 and -O2; this keeps it that way (in the sanitizer
// build too, where UBSan's unreachable check is off: cmake/library_asserts.cmake).
TEST(ConfigFuzzRegressions, ACombiningCharacterOutsideAStringIsAParseError) {
  for (const char* text : {"\xcd\x9cin\"21\x16", "\xcd\x9c = 1\n", "a = 1 \xcd\x9c\n"}) {
    auto c = load_config_text(text, "fuzz.toml", LoadOptions{.redact_secrets = true});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, "invalid_config");
  }
}

}  // namespace
}  // namespace fanout::app
