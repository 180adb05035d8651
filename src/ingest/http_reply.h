#pragma once
// The bodies intake answers with (docs/api.md): JSON errors {"error","message","details"} and small
// success bodies. Messages never carry platform answers, secrets or personal data.
#include <string>
#include <string_view>
#include <vector>

#include "ingest/event_parser.h"
#include "net/http_server.h"

namespace fanout::ingest {

// Most field errors an answer lists: 60,000 unknown fields would otherwise make a 2.7 MB answer, built in
// memory for a sender who can read the first hundred anyway.
inline constexpr size_t kMaxErrorDetails = 100;

// {"error":code,"message":message[,"details":[{"field":..,"message":..}]]}; details only when non-empty.
// Past kMaxErrorDetails the list is cut and "details_omitted":<count of the rest> added.
net::Response error_response(int status, std::string_view code, std::string_view message,
                             const std::vector<FieldError>& details = {});

// A text/plain answer (healthz, readyz, the legacy acknowledgement).
net::Response text_response(int status, std::string body);

// {"received":"<id>"}, or with duplicate=true {"received":"<id>","duplicate":true}.
net::Response received_one(int status, const std::string& event_id, bool duplicate);

// {"received":["id1",...]} plus "duplicates":[...] when some ids had already been accepted.
net::Response received_many(int status, const std::vector<std::string>& event_ids,
                            const std::vector<std::string>& duplicates);

}  // namespace fanout::ingest
