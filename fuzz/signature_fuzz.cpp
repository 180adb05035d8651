// libFuzzer target: the signature header and the admin bearer. Input: "<header value>\n<body>".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/signature.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view header = input.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  const std::vector<std::string> secrets{"fuzz-secret-0123456789abcdef", ""};
  const bool ok = fanout::ingest::verify_signature(header, body, secrets);
  // A signature that verifies is necessarily well formed; and the sender's own signature always verifies.
  if (ok && !fanout::ingest::signature_well_formed(header)) std::abort();
  if (!fanout::ingest::verify_signature(fanout::ingest::sign_body(body, secrets[0]), body, secrets)) std::abort();
  (void)fanout::ingest::bearer_matches(header, "admin-token");
  return 0;
}
