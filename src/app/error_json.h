#pragma once
// The SPEC §3 error document {"error","message","details":[{"field","message"}]} for CLI output.
#include <string>
#include <vector>

#include "core/result.h"
#include "ingest/event_parser.h"

namespace fanout::app {

std::string error_json(const Error& error, const std::vector<ingest::FieldError>& details);

}  // namespace fanout::app
