#pragma once
// Reads an environment file (systemd's EnvironmentFile format: KEY=value lines) for `serve --env-file`.
// systemd reads that file only when the service starts; fanout reads it again on every reload, so a
// rotated secret takes effect with `systemctl reload fanout`.
#include <map>
#include <string>

#include "core/result.h"

namespace fanout::app {

// KEY=value per line; blank lines and lines starting with # or ; are skipped; spaces around the key
// and the value are trimmed; a value in matching single or double quotes loses them (\" and \\ inside
// double quotes). A malformed line is an error naming the file and line number, never its content.
Result<std::map<std::string, std::string>> read_env_file(const std::string& path);

// Same from text (tests).
Result<std::map<std::string, std::string>> parse_env_text(const std::string& text, const std::string& path);

}  // namespace fanout::app
