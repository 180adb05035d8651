// libFuzzer target: the legacy (original Worker) body mapper behind POST /, and its Cookie header reader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/legacy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fanout::ingest::LegacyOptions options;
  options.google_ads_labels = {{"LBL", "customers/1/conversionActions/2"}};
  options.allowed_pixel_ids = {"1234567890123456"};
  options.allowed_measurement_ids = {"G-TEST12345"};
  options.ga4_measurement_id = "G-STREAM1";  // its session cookie: _ga_STREAM1
  fanout::ingest::LegacyRequest request;
  request.client_ip = "203.0.113.7";
  request.user_agent = "Mozilla/5.0";
  request.now_s = 1767225600;
  request.cookie.assign(reinterpret_cast<const char*>(data), size);  // the same bytes as a Cookie header too
  std::vector<fanout::ingest::FieldError> errors;
  (void)fanout::ingest::parse_legacy(std::string_view(reinterpret_cast<const char*>(data), size), request, options,
                                     errors);
  return 0;
}
