// libFuzzer target: the spool payload decoder. What decodes must encode and decode again to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/event_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto event = fanout::decode_event(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!event) return 0;
  const std::string once = fanout::encode_event(*event);
  auto again = fanout::decode_event(once);
  if (!again || fanout::encode_event(*again) != once) std::abort();
  return 0;
}
