#include "app/open_files.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace fanout::app {
namespace {

// The kernel's per-process ceiling (fs.nr_open); setrlimit refuses anything above it.
rlim_t kernel_ceiling() {
  std::ifstream in("/proc/sys/fs/nr_open");
  unsigned long long value = 0;
  if (in >> value && value > 0) return static_cast<rlim_t>(value);
  return 1048576;  // the kernel's default
}

}  // namespace

OpenFilesLimit raise_open_files_limit() {
  OpenFilesLimit out;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    out.error = std::strerror(errno);
    return out;
  }
  const rlim_t target = limit.rlim_max == RLIM_INFINITY ? kernel_ceiling() : limit.rlim_max;
  out.before = out.soft = static_cast<uint64_t>(limit.rlim_cur);
  out.hard = static_cast<uint64_t>(target);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < target) {
    limit.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      out.error = std::strerror(errno);
      return out;
    }
    out.soft = static_cast<uint64_t>(target);
  }
  return out;
}

}  // namespace fanout::app
