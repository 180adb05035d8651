#pragma once
// Handing free heap memory back to the operating system after a burst of large request bodies: glibc's
// malloc keeps freed memory in its arenas (RSS stays at the peak), jemalloc returns it only after its decay
// time. Used by the server once the bodies in flight drop back to zero after a large peak.
namespace fanout::net {

// Purges jemalloc's arenas when the binary runs on jemalloc, else calls glibc's malloc_trim(0). Takes a few
// milliseconds after a large burst; callers rate-limit it.
void release_free_memory();

}  // namespace fanout::net
