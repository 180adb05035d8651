// libFuzzer target: the TOML config loader (check-config, serve). Secrets are redacted, so no environment
// variable or file is read.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)fanout::app::load_config_text(text, "fuzz.toml", fanout::app::LoadOptions{.redact_secrets = true});
  return 0;
}
