// json_clean_run.h: the run of a string JSON writes unescaped, found and copied several bytes at a time.
// Within one call out[j] receives s[j], so the last, partial block of a text is read and stored as the block
// that ends with the text, overlapping bytes already copied, instead of a byte loop.
#include "core/json_clean_run.h"

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fanout {
namespace {

// The words are read as numbers whose lowest byte comes first in memory.
static_assert(std::endian::native == std::endian::little, "the word scan expects a little-endian machine");

constexpr uint64_t kOnes = 0x0101010101010101ULL;   // 0x01 in each byte of a word
constexpr uint64_t kHighs = 0x8080808080808080ULL;  // the top bit of each byte

// The top bit of each byte of `word` whose value is below `limit` (limit <= 0x80). The lowest marked byte is
// always right; bytes above a marked one may be marked wrongly (the subtraction's borrow) and are never used.
constexpr uint64_t bytes_below(uint64_t word, uint64_t limit) { return (word - kOnes * limit) & ~word & kHighs; }

// Marks the bytes of an 8-byte word that JSON must escape: '"', '\\' and the control characters below 0x20.
constexpr uint64_t special_bytes(uint64_t word) {
  return bytes_below(word ^ (kOnes * '"'), 1) | bytes_below(word ^ (kOnes * '\\'), 1) | bytes_below(word, 0x20);
}

constexpr bool is_special(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

uint32_t load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

uint64_t load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// copy_clean_run_words; inline into copy_clean_run, which runs it for every text under 16 bytes.
inline size_t words(const char* s, size_t n, char* out) {
  if (n < 8) {
    if (n >= 4) {
      // Most keys: the text is the two 4-byte halves that start and end it, overlapping when n < 8.
      const uint32_t head = load32(s), tail = load32(s + n - 4);
      if (special_bytes(head | (uint64_t{tail} << 32)) == 0) {
        std::memcpy(out, &head, 4);
        std::memcpy(out + n - 4, &tail, 4);
        return n;
      }
    }
    size_t i = 0;  // under 4 bytes, or something to escape: byte by byte
    for (; i < n && !is_special(static_cast<unsigned char>(s[i])); ++i) out[i] = s[i];
    return i;
  }
  uint64_t word;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    word = load64(s + i);
    std::memcpy(out + i, &word, 8);
    if (const uint64_t marks = special_bytes(word); marks != 0) return i + std::countr_zero(marks) / 8;
  }
  if (i == n) return n;
  // The word ending with the text; its first 8 - (n - i) bytes were found clean above, so they mark nothing
  // (and, holding no real mark, cause no wrong one) and are shifted out.
  word = load64(s + n - 8);
  std::memcpy(out + n - 8, &word, 8);
  const uint64_t marks = special_bytes(word) >> (8 * (8 - (n - i)));
  return marks != 0 ? i + std::countr_zero(marks) / 8 : n;
}

}  // namespace

size_t copy_clean_run_words(const char* s, size_t n, char* out) { return words(s, n, out); }

#if defined(__SSE2__)
namespace {

// One bit per byte of `block` that JSON must escape, the first byte's lowest. SSE2 compares bytes as signed, so
// "below 0x20" is taken as min(byte, 0x1F) == byte, unsigned: exact for every value (RapidJSON 1.1.0's own SSE2
// path compares with 0x19 and lets 0x1A-0x1F through).
unsigned special_bytes(__m128i block) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i last_control = _mm_set1_epi8(0x1F);
  __m128i marks = _mm_or_si128(_mm_cmpeq_epi8(block, quote), _mm_cmpeq_epi8(block, backslash));
  marks = _mm_or_si128(marks, _mm_cmpeq_epi8(_mm_min_epu8(block, last_control), block));
  return static_cast<unsigned>(_mm_movemask_epi8(marks));
}

inline size_t sse2(const char* s, size_t n, char* out) {
  if (n < 16) return words(s, n, out);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), block);
    if (const unsigned marks = special_bytes(block); marks != 0) return i + std::countr_zero(marks);
  }
  if (i == n) return n;
  // The block ending with the text; its first 16 - (n - i) bytes were found clean above.
  const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + n - 16));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + n - 16), block);
  const unsigned marks = special_bytes(block) >> (16 - (n - i));
  return marks != 0 ? i + std::countr_zero(marks) : n;
}

}  // namespace

size_t copy_clean_run_sse2(const char* s, size_t n, char* out) { return sse2(s, n, out); }
size_t copy_clean_run(const char* s, size_t n, char* out) { return sse2(s, n, out); }
#else
size_t copy_clean_run(const char* s, size_t n, char* out) { return words(s, n, out); }
#endif

}  // namespace fanout
