#pragma once
// Parsing a canonical body as intake does, at a fixed "now", keeping the field errors: shared by the
// parser tests.
#include <string>
#include <vector>

#include "ingest/event_parser.h"

namespace fanout::ingest::testing {

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

struct Parsed {
  Result<ParsedBody> result;
  std::vector<FieldError> errors;
};

inline Parsed parse(const std::string& body, size_t max_events = 500) {
  ParseOptions options;
  options.now_s = kNow;
  options.max_events = max_events;
  Parsed p{ParsedBody{}, {}};
  p.result = parse_body(body, options, p.errors);
  return p;
}

}  // namespace fanout::ingest::testing
