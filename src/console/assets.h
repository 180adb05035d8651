#pragma once
// The console's static files (src/console/assets/), compiled into the binary by CMake
// (cmake/console.cmake generates their definition at build time: no build step of our own).
#include <string_view>

namespace fanout::console {

struct Asset {
  std::string_view path;          // "index.html", "app.js", ...
  std::string_view content_type;  // with charset for text
  std::string_view etag;          // quoted strong validator: a digest of the content
  std::string_view body;
};

// The asset at `path` (relative to /ui/), or nullptr.
const Asset* find_asset(std::string_view path);

}  // namespace fanout::console
