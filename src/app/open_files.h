#pragma once
// The open-files limit at start: systemd and most shells give a soft RLIMIT_NOFILE of 1024, which ~1,000
// idle client connections exhaust, after which accept() fails and every client is turned away. `serve`
// raises the soft limit to the hard one, as nginx's worker_rlimit_nofile and Envoy's docs advise.
#include <cstdint>
#include <string>

namespace fanout::app {

struct OpenFilesLimit {
  uint64_t before = 0;  // soft limit found at start
  uint64_t soft = 0;    // soft limit now
  uint64_t hard = 0;    // hard limit (the ceiling an unprivileged process may raise to)
  std::string error;    // why it could not be raised ("" = fine)
};

// Raises the soft RLIMIT_NOFILE to the hard limit (unlimited hard limits are capped at the kernel's
// fs.nr_open). Never lowers it.
OpenFilesLimit raise_open_files_limit();

}  // namespace fanout::app
