#include "net/memory_release.h"

#include <malloc.h>

#include <cstddef>
#include <cstdio>

// jemalloc's control interface, present only when the binary links jemalloc (the fanout binary does when
// it is installed); weak, so this file links without it and the pointer is then null.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace fanout::net {
namespace {

constexpr unsigned kAllArenas = 4096;  // jemalloc's MALLCTL_ARENAS_ALL

}  // namespace

void release_free_memory() {
  if (mallctl != nullptr) {
    char name[40];
    std::snprintf(name, sizeof name, "arena.%u.purge", kAllArenas);
    mallctl(name, nullptr, nullptr, nullptr, 0);
    return;
  }
  malloc_trim(0);
}

}  // namespace fanout::net
