#pragma once
// Finding and copying the part of a string that JSON writes as it is: no '"', no '\\', no byte below 0x20 (the
// characters RapidJSON's Writer escapes; '/', 0x7F and UTF-8 pass). JsonWriter (json_writer.h) copies a string
// with it and escapes the byte that ends each run. Several bytes are tested at once: 16 with SSE2 (every
// x86-64), 8 in a 64-bit word elsewhere; both are exposed so that tests/core/json_clean_run_test.cpp checks each
// against a byte loop for every byte value at every offset and alignment.
#include <cstddef>

namespace fanout {

// Copies the longest prefix of s[0, n) that needs no escaping to out[0, ...) and returns its length. Writes only
// within out[0, n): bytes after the prefix may be overwritten with later bytes of s.
size_t copy_clean_run(const char* s, size_t n, char* out);

// The same, 8 bytes at a time in a 64-bit word (the portable way; copy_clean_run where SSE2 is missing).
size_t copy_clean_run_words(const char* s, size_t n, char* out);

#if defined(__SSE2__)
// The same, 16 bytes at a time with SSE2 (copy_clean_run on x86-64); texts under 16 bytes go by words.
size_t copy_clean_run_sse2(const char* s, size_t n, char* out);
#endif

}  // namespace fanout
