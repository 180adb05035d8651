#pragma once
// `fanout preview` (docs/operations.md): what each enabled destination would receive for one event.
#include <cstdint>
#include <string>
#include <string_view>

#include "app/config.h"
#include "core/result.h"

namespace fanout::app {

// The preview document for the canonical event in `body`, as pretty JSON. The config must have been
// loaded with redact_secrets so every secret reads "REDACTED". Errors: invalid_json / invalid_event, with
// the error document (the error shape of docs/api.md) in Error::message.
Result<std::string> preview(const Config& config, std::string_view body, int64_t now_s);

}  // namespace fanout::app
