// libFuzzer target: the canonical event parser (POST /v1/events bodies), single events and batches.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/event_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fanout::ingest::ParseOptions options;
  options.now_s = 1767225600;  // fixed "now": runs are reproducible
  options.max_events = 50;
  std::vector<fanout::ingest::FieldError> errors;
  auto parsed = fanout::ingest::parse_body(std::string_view(reinterpret_cast<const char*>(data), size), options, errors);
  if (!parsed) (void)fanout::ingest::summarize(errors);
  return 0;
}
